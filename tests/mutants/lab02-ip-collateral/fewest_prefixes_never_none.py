# mutant of fewest_prefixes_answer: when no list fits the budget, returns the exact list of
# the targets anyway instead of saying None
import ipaddress


def fewest_prefixes(targets, tenants, budget):
    def best(prefix, targets, tenants):
        options = {len(tenants): [prefix]}
        if prefix.prefixlen == prefix.max_prefixlen:
            return options
        combined = {0: []}
        for half in prefix.subnets():
            mine = [a for a in targets if a in half]
            if not mine:
                continue
            halves = best(half, mine, [t for t in tenants if t in half])
            merged = {}
            for cost, entries in combined.items():
                for more, extra in halves.items():
                    if cost + more not in merged or len(entries + extra) < len(merged[cost + more]):
                        merged[cost + more] = entries + extra
            combined = merged
        for cost, entries in combined.items():
            if cost not in options or len(entries) < len(options[cost]):
                options[cost] = entries
        return options

    targets = [ipaddress.ip_address(a) for a in targets]
    tenants = [ipaddress.ip_address(a) for a in tenants]
    options = best(ipaddress.ip_network("0.0.0.0/0"), targets, tenants)
    fits = [entries for cost, entries in options.items() if cost <= budget]
    if not fits:
        return [str(p) for p in ipaddress.collapse_addresses(targets)]
    return [str(p) for p in min(fits, key=len)]

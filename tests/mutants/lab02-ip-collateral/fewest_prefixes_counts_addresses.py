# mutant of fewest_prefixes_answer: counts the cost of a prefix as every address it adds
# besides the targets, though an address that no tenant uses costs nothing
import ipaddress


def fewest_prefixes(targets, tenants, budget):
    def best(prefix, targets):
        options = {prefix.num_addresses - len(targets): [prefix]}
        if prefix.prefixlen == prefix.max_prefixlen:
            return options
        combined = {0: []}
        for half in prefix.subnets():
            mine = [a for a in targets if a in half]
            if not mine:
                continue
            halves = best(half, mine)
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
    shared = len(set(targets) & {ipaddress.ip_address(t) for t in tenants})
    options = best(ipaddress.ip_network("0.0.0.0/0"), targets)
    fits = [entries for cost, entries in options.items() if cost + shared <= budget]
    return [str(p) for p in min(fits, key=len)] if fits else None

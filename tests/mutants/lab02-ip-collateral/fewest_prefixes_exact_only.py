# mutant of fewest_prefixes_answer: merges only neighbours that cost nothing
# (collapse_addresses) and never spends the budget on a shorter list
import ipaddress


def fewest_prefixes(targets, tenants, budget):
    prefixes = list(ipaddress.collapse_addresses(ipaddress.ip_address(a) for a in targets))
    cost = sum(any(ipaddress.ip_address(t) in p for p in prefixes) for t in tenants)
    return [str(p) for p in prefixes] if cost <= budget else None

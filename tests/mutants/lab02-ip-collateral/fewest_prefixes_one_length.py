# mutant of fewest_prefixes_answer: gives every target a prefix of the same length, and keeps
# the length with the fewest entries within the budget; mixing lengths can do better
import ipaddress


def fewest_prefixes(targets, tenants, budget):
    tenants = [ipaddress.ip_address(t) for t in tenants]
    best = None
    for length in range(32, -1, -1):
        prefixes = {ipaddress.ip_network(f"{a}/{length}", strict=False) for a in targets}
        cost = sum(any(t in p for p in prefixes) for t in tenants)
        if cost <= budget and (best is None or len(prefixes) < len(best)):
            best = prefixes
    return sorted(str(p) for p in best) if best is not None else None

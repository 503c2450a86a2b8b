# mutant of fewest_prefixes_answer: merges the cheapest pair first, as lesson 03's section 5
# does, and keeps the shortest of those lists within the budget: a greedy method that can
# jump past the best list
import ipaddress


def fewest_prefixes(targets, tenants, budget):
    targets = [ipaddress.ip_address(a) for a in targets]
    tenants = [ipaddress.ip_address(a) for a in tenants]

    def covered(prefixes):
        return sum(any(t in p for p in prefixes) for t in tenants)

    def widen(prefixes):
        best = None
        for i, a in enumerate(prefixes):
            for b in prefixes[i + 1 :]:
                merged = a
                while not b.subnet_of(merged):
                    merged = merged.supernet()
                rest = [p for p in prefixes if not p.subnet_of(merged)]
                wider = list(ipaddress.collapse_addresses(rest + [merged]))
                added = covered(wider) - covered(prefixes)
                score = (added / (len(prefixes) - len(wider)), added)
                if best is None or score < best[0]:
                    best = (score, wider)
        return best[1]

    lists = [list(ipaddress.collapse_addresses(targets))]
    while len(lists[-1]) > 1:
        lists.append(widen(lists[-1]))
    fits = [prefixes for prefixes in lists if covered(prefixes) <= budget]
    return [str(p) for p in min(fits, key=len)] if fits else None

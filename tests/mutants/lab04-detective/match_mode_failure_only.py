# mutant of match_mode_answer: compares only the failures, so over plain HTTP any answer (the
# server's 404 as well as the censor's block page) counts as blocked
def match_mode(probe, url):
    parts = urlsplit(url)
    name, scheme = parts.hostname, parts.scheme
    address = str(probe.resolve(name, resolver=DOH).addresses[0])
    blocked = probe.get(address, name, scheme=scheme)

    def covered(candidate):
        return probe.get(address, candidate, scheme=scheme).failure == blocked.failure

    if covered(f"{name}.test"):
        return "substring"
    return "suffix" if covered(f"www.{name}") else "exact"

# mutant of match_mode_answer: tests substring matching with a letter in front of the name
# ("x" + name), which is still under the listed domain when the URL's name is a subdomain
# caught by a suffix rule
def match_mode(probe, url):
    parts = urlsplit(url)
    name, scheme = parts.hostname, parts.scheme
    address = str(probe.resolve(name, resolver=DOH).addresses[0])
    blocked = probe.get(address, name, scheme=scheme)

    def covered(candidate):
        r = probe.get(address, candidate, scheme=scheme)
        return (r.failure, r.status) == (blocked.failure, blocked.status)

    if covered(f"x{name}"):
        return "substring"
    return "suffix" if covered(f"www.{name}") else "exact"

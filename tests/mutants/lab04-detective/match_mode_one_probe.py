# mutant of match_mode_answer: tries only a name under the URL's name, so a list that matches
# any name containing a word is taken for a domain list ("suffix")
def match_mode(probe, url):
    parts = urlsplit(url)
    name, scheme = parts.hostname, parts.scheme
    address = str(probe.resolve(name, resolver=DOH).addresses[0])
    blocked = probe.get(address, name, scheme=scheme)
    r = probe.get(address, f"www.{name}", scheme=scheme)
    if (r.failure, r.status) == (blocked.failure, blocked.status):
        return "suffix"
    return "exact"

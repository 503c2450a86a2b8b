# mutant of match_mode_answer: fetches the candidate names through DNS, where names that do not
# exist fail before any censor sees them, so every list looks exact
def match_mode(probe, url):
    parts = urlsplit(url)
    name, scheme = parts.hostname, parts.scheme
    blocked = probe.fetch(url)

    def covered(candidate):
        r = probe.fetch(f"{scheme}://{candidate}/")
        return (r.failure, r.status) == (blocked.failure, blocked.status)

    if covered(f"{name}.test"):
        return "substring"
    return "suffix" if covered(f"www.{name}") else "exact"

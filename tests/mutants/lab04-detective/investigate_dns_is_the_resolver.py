# mutant of investigate_answer: compares the ISP's resolver with DNS over HTTPS only, and so
# blames the resolver for lies that a box on the path injects
def investigate(probe, urls):
    found = {}
    for url in urls:
        name = host_of(url)
        mine, truth = probe.resolve(name), probe.resolve(name, resolver=DOH)
        if dns_tampering(probe, name) != "none" or (mine.failure is None) != (
            truth.failure is None
        ):
            found[url] = {"mechanism": "dns-resolver", "mode": None}
            continue
        mechanism = connection_block(probe, url)
        named = mechanism in ("sni-drop", "sni-reset", "http-blockpage")
        found[url] = {"mechanism": mechanism, "mode": match_mode(probe, url) if named else None}
    return found

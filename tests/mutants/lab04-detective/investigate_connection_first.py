# mutant of investigate_answer: reads the fetch's failure before looking at DNS, so a sinkhole
# (tcp:refused at 127.0.0.1) or a forged address (tcp:timeout) is taken for an address rule
def investigate(probe, urls):
    found = {}
    for url in urls:
        mechanism = connection_block(probe, url)
        if mechanism == "none":
            tampering = dns_tampering(probe, host_of(url))
            if tampering != "none":
                mechanism = f"dns-{tampering}"
        named = mechanism in ("sni-drop", "sni-reset", "http-blockpage")
        found[url] = {"mechanism": mechanism, "mode": match_mode(probe, url) if named else None}
    return found

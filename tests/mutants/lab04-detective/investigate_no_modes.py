# mutant of investigate_answer: names every mechanism right but never measures how wide a name
# rule's list is (mode is always None)
def investigate(probe, urls):
    found = {}
    for url in urls:
        tampering = dns_tampering(probe, host_of(url))
        if tampering != "none":
            found[url] = {"mechanism": f"dns-{tampering}", "mode": None}
            continue
        found[url] = {"mechanism": connection_block(probe, url), "mode": None}
    return found

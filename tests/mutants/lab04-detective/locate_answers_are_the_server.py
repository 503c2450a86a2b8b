# mutant of locate_answer: trusts every answer to come from the server, so a block page made on
# the way looks like no censor at all (it reports blocked_at, None)
def locate(probe, url):
    parts = urlsplit(url)
    name = parts.hostname
    payload = "tls" if parts.scheme == "https" else "http"
    address = str(probe.resolve(name, resolver=DOH).addresses[0])
    benign = probe.traceroute(address, payload=payload, server_name=BENIGN)
    test = probe.traceroute(address, payload=payload, server_name=name)
    if not benign.reached:
        test = probe.traceroute(address)
    hop = test.blocked_at
    if hop is None:
        return None, "access-link"
    routers = [h for h in test.hops if h.kind == "time-exceeded" and h.ttl < hop]
    if not routers:
        return hop, "access-link"
    if probe.network_of(str(routers[-1].address)) == probe.network:
        return hop, "isp-border"
    return hop, "upstream"

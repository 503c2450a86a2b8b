# mutant of locate_answer: calls the censor "isp-border" whenever a router answered before it,
# without asking whose router it is (a national gateway is not the probe's ISP)
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
        server = min(h.ttl for h in benign.hops if h.kind == "answer")
        hop = min(h.ttl for h in test.hops if h.kind == "answer" and h.ttl < server)
    routers = [h for h in test.hops if h.kind == "time-exceeded" and h.ttl < hop]
    return hop, "isp-border" if routers else "access-link"

# mutant of locate_answer: reports the TTL of the last router that answered, one hop before the
# probe that met the censor
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
    if not routers:
        return hop, "access-link"
    place = (
        "isp-border" if probe.network_of(str(routers[-1].address)) == probe.network else "upstream"
    )
    return routers[-1].ttl, place

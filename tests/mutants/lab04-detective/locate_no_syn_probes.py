# mutant of locate_answer: never falls back to bare SYN probes, so against an address rule it
# reports where the first triggering probe's handshake failed (always TTL 1, on the line)
def locate(probe, url):
    parts = urlsplit(url)
    name = parts.hostname
    payload = "tls" if parts.scheme == "https" else "http"
    address = str(probe.resolve(name, resolver=DOH).addresses[0])
    benign = probe.traceroute(address, payload=payload, server_name=BENIGN)
    test = probe.traceroute(address, payload=payload, server_name=name)
    hop = test.blocked_at
    if hop is None:
        server = min(h.ttl for h in benign.hops if h.kind == "answer")
        hop = min(h.ttl for h in test.hops if h.kind == "answer" and h.ttl < server)
    routers = [h for h in test.hops if h.kind == "time-exceeded" and h.ttl < hop]
    if not routers:
        return hop, "access-link"
    if probe.network_of(str(routers[-1].address)) == probe.network:
        return hop, "isp-border"
    return hop, "upstream"

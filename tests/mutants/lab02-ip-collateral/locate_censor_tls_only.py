# mutant of locate_censor_answer: always probes with a ClientHello; against an IP censor the
# handshake itself fails at TTL 1, which looks like a name censor on the client's line
def locate_censor(client, address, name):
    result = client.traceroute(address, payload="tls", server_name=name)
    if result.blocked_at is None:
        return None, None
    router = result.last_router
    return "name", router.name if router is not None else None

# mutant of locate_censor_answer: names the first router that answered, the client's own
# ISP, even when the probes went further before they were stopped
def locate_censor(client, address, name):
    result = client.traceroute(address)
    trigger = "address"
    if result.blocked_at is None:
        result = client.traceroute(address, payload="tls", server_name=name)
        trigger = "name"
    if result.blocked_at is None:
        return None, None
    routers = [h for h in result.hops if h.kind == "time-exceeded"]
    return trigger, routers[0].name if routers else None

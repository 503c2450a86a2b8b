# mutant of locate_censor_answer: stops at TTL 2 to save time, too soon to see past a
# national gateway in front of the ISP
def locate_censor(client, address, name):
    result = client.traceroute(address, max_ttl=2)
    trigger = "address"
    if result.blocked_at is None:
        result = client.traceroute(address, payload="tls", server_name=name, max_ttl=2)
        trigger = "name"
    if result.blocked_at is None:
        return None, None
    router = result.last_router
    return trigger, router.name if router is not None else None

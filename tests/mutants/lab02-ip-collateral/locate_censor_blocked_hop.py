# mutant of locate_censor_answer: names the hop at blocked_at (silence, or the address a
# forged reset claims to come from) instead of the last router that answered before it
def locate_censor(client, address, name):
    result = client.traceroute(address)
    trigger = "address"
    if result.blocked_at is None:
        result = client.traceroute(address, payload="tls", server_name=name)
        trigger = "name"
    if result.blocked_at is None:
        return None, None
    hop = next(h for h in result.hops if h.ttl == result.blocked_at)
    return trigger, hop.name

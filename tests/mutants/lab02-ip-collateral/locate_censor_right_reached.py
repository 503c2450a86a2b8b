# right answer of locate_censor_answer: decides with result.reached (did the probes get to the
# server?) instead of blocked_at, as lesson 03 also allows
def locate_censor(client, address, name):
    syn = client.traceroute(address)
    if not syn.reached:
        return "address", syn.last_router.name if syn.last_router else None
    hello = client.traceroute(address, payload="tls", server_name=name)
    if not hello.reached:
        return "name", hello.last_router.name if hello.last_router else None
    return None, None

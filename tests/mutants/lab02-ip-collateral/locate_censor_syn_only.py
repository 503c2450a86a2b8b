# mutant of locate_censor_answer: sends plain SYN probes only, which a censor that reads
# names lets through: it never finds a name censor
def locate_censor(client, address, name):
    result = client.traceroute(address)
    if result.blocked_at is None:
        return None, None
    router = result.last_router
    return "address", router.name if router is not None else None

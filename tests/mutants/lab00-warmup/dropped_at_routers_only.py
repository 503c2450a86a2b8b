# mutant of dropped_at_answer: looks for drops at routers only (the hops that pass packets
# on), so a resolver that ignores a question, a drop at a host, is missed
def dropped_at(trace):
    routers = {event.hop for event in trace.events if event.kind == "forward"}
    for event in trace.events:
        if event.kind == "drop" and event.hop in routers:
            return event.hop
    return None

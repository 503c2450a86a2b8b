# mutant of dropped_at_answer: counts "no-route" as a drop, though a packet lost for want
# of a route was thrown away by nobody (the task's text says it does not count)
def dropped_at(trace):
    for event in trace.events:
        if event.kind in ("drop", "no-route"):
            return event.hop
    return None

# mutant of dropped_at_answer: looks only for the censor's "drop" decisions, so a resolver
# that ignores a question (a drop at a host) is missed
def dropped_at(trace):
    for event in trace.events:
        if event.kind == "drop" and event.verdict is not None and event.verdict.action == "drop":
            return event.hop
    return None

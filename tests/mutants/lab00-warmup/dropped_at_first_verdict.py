# mutant of dropped_at_answer: returns where the first censor decision was taken, even one
# that let the packet through, forged an answer or slowed it down
def dropped_at(trace):
    for event in trace.events:
        if event.verdict is not None:
            return event.hop
    return None

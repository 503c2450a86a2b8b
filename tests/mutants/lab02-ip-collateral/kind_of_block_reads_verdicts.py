# mutant of kind_of_block_answer: reads the censor's verdicts in the trace, which no real
# measurement sees (and which the tests' results do not hold): with no verdict it says
# "not blocked"
def kind_of_block(r, control):
    actions = [event.verdict.action for event in r.trace.verdicts()]
    if not actions or r.ok:
        return "not blocked"
    if any(action.startswith("resolver-") or action == "spoof" for action in actions):
        return "DNS block page" if r.status == 451 else "DNS blocking"
    if "redirect" in actions:
        return "IP block page"
    return "IP reset" if "reset" in actions else "IP drop"

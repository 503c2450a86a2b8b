# mutant of kind_of_block_answer: recognises a block page by its status 451 only, and
# forgets that over https the same redirection ends in a certificate error
def kind_of_block(r, control):
    if r.ok:
        return "not blocked"
    if r.dns.failure is not None or not set(r.dns.addresses) & set(control):
        return "DNS block page" if r.status == 451 else "DNS blocking"
    if r.failure == "tcp:timeout":
        return "IP drop"
    if r.failure == "tcp:refused":
        return "IP reset"
    if r.status == 451:
        return "IP block page"
    return None

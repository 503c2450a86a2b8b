# mutant of kind_of_block_answer: takes a fetch without a failure for one that loaded, but a
# 451 page arrives as an answer (failure None, status 451): the block page is missed
def kind_of_block(r, control):
    if r.failure is None:
        return "not blocked"
    block_page = r.failure == "tls:certificate-hostname"
    if r.dns.failure is not None or not set(r.dns.addresses) & set(control):
        return "DNS block page" if block_page else "DNS blocking"
    if r.failure == "tcp:timeout":
        return "IP drop"
    if r.failure == "tcp:refused":
        return "IP reset"
    if block_page:
        return "IP block page"
    return None

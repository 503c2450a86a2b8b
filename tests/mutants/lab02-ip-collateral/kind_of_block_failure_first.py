# mutant of kind_of_block_answer: reads the failure before the DNS answer, so a sinkhole
# looks like an IP reset, a forged address like an IP drop, and a block page served
# through DNS like one served through an IP rule
def kind_of_block(r, control):
    if r.ok:
        return "not blocked"
    if r.stage == "dns":
        return "DNS blocking"
    if r.failure == "tcp:timeout":
        return "IP drop"
    if r.failure == "tcp:refused":
        return "IP reset"
    if r.status == 451 or r.failure == "tls:certificate-hostname":
        return "IP block page"
    return None

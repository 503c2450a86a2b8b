# mutant of kind_of_block_answer: calls every tampered DNS answer "DNS blocking", without
# seeing that the answer led to the ISP's block page
def kind_of_block(r, control):
    if r.ok:
        return "not blocked"
    if r.dns.failure is not None or not set(r.dns.addresses) & set(control):
        return "DNS blocking"
    if r.failure == "tcp:timeout":
        return "IP drop"
    if r.failure == "tcp:refused":
        return "IP reset"
    if r.status == 451 or r.failure == "tls:certificate-hostname":
        return "IP block page"
    return None

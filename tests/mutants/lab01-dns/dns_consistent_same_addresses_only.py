# mutant of dns_consistent_answer: forgets rule 5 (an address of each in the same network),
# so a CDN that moved a site to another of its addresses looks like tampering
import censorsim as cs


def dns_consistent(probe, control, world):
    if probe.failure is not None or control.failure is not None:
        return probe.failure == control.failure
    if any(cs.measure.is_bogon(address) for address in probe.addresses):
        return False
    return bool(set(probe.addresses) & set(control.addresses))

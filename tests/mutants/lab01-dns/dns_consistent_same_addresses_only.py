# mutant of dns_consistent_answer: forgets rule 4 (an address of each in the same network),
# so a CDN that moved a site to another of its addresses looks like tampering
def dns_consistent(probe, control, world):
    if probe.failure is not None or control.failure is not None:
        return probe.failure is not None and control.failure is not None
    return bool(set(probe.addresses) & set(control.addresses))

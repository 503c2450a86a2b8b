# mutant of dns_consistent_answer: follows OONI's older rule, a bogon in the probe's answer is
# inconsistent even when the control got it too (a sinkhole that both resolvers obey)
import censorsim as cs


def dns_consistent(probe, control, world):
    if probe.failure is not None or control.failure is not None:
        return probe.failure is not None and control.failure is not None
    if any(cs.measure.is_bogon(address) for address in probe.addresses):
        return False
    if set(probe.addresses) & set(control.addresses):
        return True
    probe_networks = {cs.measure.network_of(world, a) for a in probe.addresses} - {None}
    control_networks = {cs.measure.network_of(world, a) for a in control.addresses} - {None}
    return bool(probe_networks & control_networks)

# mutant of dns_consistent_answer: applies rule 4 (a shared address) before rule 3 (a
# bogon), so a sinkhole that the control's resolver obeys too looks consistent
import censorsim as cs


def dns_consistent(probe, control, world):
    if probe.failure is not None or control.failure is not None:
        return probe.failure == control.failure
    if set(probe.addresses) & set(control.addresses):
        return True
    if any(cs.measure.is_bogon(address) for address in probe.addresses):
        return False
    probe_networks = {cs.measure.network_of(world, a) for a in probe.addresses} - {None}
    control_networks = {cs.measure.network_of(world, a) for a in control.addresses} - {None}
    return bool(probe_networks & control_networks)

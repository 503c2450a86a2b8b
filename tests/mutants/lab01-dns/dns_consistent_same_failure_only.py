# mutant of dns_consistent_answer: calls two failed lookups consistent only when they failed
# the same way, which OONI does not do (Android reports every DNS error alike)
import censorsim as cs


def dns_consistent(probe, control, world):
    if probe.failure is not None or control.failure is not None:
        return probe.failure == control.failure
    if set(probe.addresses) & set(control.addresses):
        return True
    probe_networks = {cs.measure.network_of(world, a) for a in probe.addresses} - {None}
    control_networks = {cs.measure.network_of(world, a) for a in control.addresses} - {None}
    return bool(probe_networks & control_networks)

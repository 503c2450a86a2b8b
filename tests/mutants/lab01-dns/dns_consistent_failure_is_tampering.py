# mutant of dns_consistent_answer: takes any failed lookup of the probe for tampering,
# forgetting rule 1 (both failed: a name that does not exist)
import censorsim as cs


def dns_consistent(probe, control, world):
    if probe.failure is not None:
        return False
    if control.failure is not None:
        return False
    if set(probe.addresses) & set(control.addresses):
        return True
    probe_networks = {cs.measure.network_of(world, a) for a in probe.addresses} - {None}
    control_networks = {cs.measure.network_of(world, a) for a in control.addresses} - {None}
    return bool(probe_networks & control_networks)

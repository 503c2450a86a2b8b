# mutant of dns_tampering_answer: calls any answer without a shared address a lie, so a CDN's
# regional answer (another edge, or a regional CDN) is taken for the resolver lying
def dns_tampering(probe, name):
    def consistent(lookup, truth):
        if lookup.failure is not None or truth.failure is not None:
            return lookup.failure is not None and truth.failure is not None
        return bool(set(lookup.addresses) & set(truth.addresses))

    truth = probe.resolve(name, resolver=DOH)
    if consistent(probe.resolve(name), truth):
        return "none"
    public = probe.resolve(name, resolver=PUBLIC_RESOLVER, wait=1.0)
    if public.late or not consistent(public, truth):
        return "injection"
    return "resolver"

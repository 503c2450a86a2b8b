# mutant of dns_tampering_answer: accepts a shared address or a shared AS, but never asks
# whether the answer serves the site, so a regional CDN with an AS of its own looks like a lie
def dns_tampering(probe, name):
    def consistent(lookup, truth):
        if lookup.failure is not None or truth.failure is not None:
            return lookup.failure is not None and truth.failure is not None
        if set(lookup.addresses) & set(truth.addresses):
            return True
        mine = {probe.asn(str(a)) for a in lookup.addresses} - {None}
        theirs = {probe.asn(str(a)) for a in truth.addresses} - {None}
        return bool(mine & theirs)

    truth = probe.resolve(name, resolver=DOH)
    if consistent(probe.resolve(name), truth):
        return "none"
    public = probe.resolve(name, resolver=PUBLIC_RESOLVER, wait=1.0)
    if public.late or not consistent(public, truth):
        return "injection"
    return "resolver"

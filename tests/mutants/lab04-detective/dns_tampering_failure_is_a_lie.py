# mutant of dns_tampering_answer: treats every failed lookup as a lie, so a name that does not
# exist anywhere (NXDOMAIN from every resolver) is reported as tampered with
def dns_tampering(probe, name):
    def consistent(lookup, truth):
        if lookup.failure is not None or truth.failure is not None:
            return False
        if set(lookup.addresses) & set(truth.addresses):
            return True
        mine = {probe.asn(str(a)) for a in lookup.addresses} - {None}
        theirs = {probe.asn(str(a)) for a in truth.addresses} - {None}
        if mine & theirs:
            return True
        return any(probe.get(str(a), name).ok for a in lookup.addresses)

    truth = probe.resolve(name, resolver=DOH)
    if consistent(probe.resolve(name), truth):
        return "none"
    public = probe.resolve(name, resolver=PUBLIC_RESOLVER, wait=1.0)
    if public.late or not consistent(public, truth):
        return "injection"
    return "resolver"

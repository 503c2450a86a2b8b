# mutant of dns_tampering_answer: takes the public resolver over plain DNS as the truth, though
# an injector on the path lies to it too (so injection looks like no tampering at all)
def dns_tampering(probe, name):
    def consistent(lookup, truth):
        if lookup.failure is not None or truth.failure is not None:
            return lookup.failure is not None and truth.failure is not None
        if set(lookup.addresses) & set(truth.addresses):
            return True
        mine = {probe.asn(str(a)) for a in lookup.addresses} - {None}
        theirs = {probe.asn(str(a)) for a in truth.addresses} - {None}
        if mine & theirs:
            return True
        return any(probe.get(str(a), name).ok for a in lookup.addresses)

    truth = probe.resolve(name, resolver=PUBLIC_RESOLVER, wait=1.0)
    if consistent(probe.resolve(name), truth):
        return "none"
    if truth.late:
        return "injection"
    return "resolver"

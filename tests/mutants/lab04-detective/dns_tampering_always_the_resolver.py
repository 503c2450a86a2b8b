# mutant of dns_tampering_answer: blames the ISP's resolver for every lie, without asking a
# resolver outside the ISP over plain DNS (which an injector on the path fools too)
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

    if consistent(probe.resolve(name), probe.resolve(name, resolver=DOH)):
        return "none"
    return "resolver"

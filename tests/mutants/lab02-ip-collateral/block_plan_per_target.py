# mutant of block_plan_answer: calls a site unavoidable only when it lives on the addresses
# of ONE target, missing a site spread over the addresses of two targets together
def block_plan(world, targets, ip_version):
    versions = {4: (4,), 6: (6,), "dual": (4, 6)}[ip_version]

    def usable(name):
        return [a for a in world.zone.addresses(name) if a.version in versions]

    listed = {a for target in targets for a in usable(target)}
    unavoidable = [
        name
        for name in world.sites
        if not world.site(name).infringing
        and usable(name)
        and any(set(usable(name)) <= set(usable(target)) for target in targets)
    ]
    return [str(a) for a in listed], sorted(unavoidable)

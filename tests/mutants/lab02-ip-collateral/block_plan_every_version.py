# mutant of block_plan_answer: lists every address of the targets, IPv6 ones too for
# IPv4-only clients: a longer list than needed
def block_plan(world, targets, ip_version):
    versions = {4: (4,), 6: (6,), "dual": (4, 6)}[ip_version]

    def usable(name):
        return [a for a in world.zone.addresses(name) if a.version in versions]

    listed = {a for target in targets for a in world.zone.addresses(target)}
    unavoidable = [
        name
        for name in world.sites
        if not world.site(name).infringing and usable(name) and set(usable(name)) <= listed
    ]
    return [str(a) for a in listed], sorted(unavoidable)

# mutant of block_plan_answer: counts as unavoidable every legal site that shares an address
# with the targets, though a site with another address survives the block
def block_plan(world, targets, ip_version):
    versions = {4: (4,), 6: (6,), "dual": (4, 6)}[ip_version]

    def usable(name):
        return [a for a in world.zone.addresses(name) if a.version in versions]

    listed = {a for target in targets for a in usable(target)}
    unavoidable = [
        name
        for name in world.sites
        if not world.site(name).infringing and name not in targets and set(usable(name)) & listed
    ]
    return [str(a) for a in listed], sorted(unavoidable)

# mutant of block_plan_answer: counts every site the list takes down besides the targets,
# another stream too, which is no collateral damage
def block_plan(world, targets, ip_version):
    versions = {4: (4,), 6: (6,), "dual": (4, 6)}[ip_version]

    def usable(name):
        return [a for a in world.zone.addresses(name) if a.version in versions]

    listed = {a for target in targets for a in usable(target)}
    unavoidable = [
        name
        for name in world.sites
        if name not in targets and usable(name) and set(usable(name)) <= listed
    ]
    return [str(a) for a in listed], sorted(unavoidable)

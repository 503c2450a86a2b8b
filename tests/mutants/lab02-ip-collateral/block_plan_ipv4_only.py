# mutant of block_plan_answer: lists the targets' IPv4 addresses whatever the clients, so
# IPv6-only and dual-stack clients still reach the streams over IPv6
def block_plan(world, targets, ip_version):
    def usable(name, versions):
        return [a for a in world.zone.addresses(name) if a.version in versions]

    versions = {4: (4,), 6: (6,), "dual": (4, 6)}[ip_version]
    listed = {a for target in targets for a in usable(target, (4,))}
    unavoidable = [
        name
        for name in world.sites
        if not world.site(name).infringing
        and usable(name, versions)
        and set(usable(name, versions)) <= listed
    ]
    return [str(a) for a in listed], sorted(unavoidable)

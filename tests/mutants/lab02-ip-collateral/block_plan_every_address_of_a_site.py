# mutant of block_plan_answer: lists the right addresses, but judges a legal site by all its
# addresses whatever the clients, so for IPv4 clients a site whose IPv4 address is a
# target's but whose IPv6 address is not looks spared
def block_plan(world, targets, ip_version):
    versions = {4: (4,), 6: (6,), "dual": (4, 6)}[ip_version]
    listed = {a for t in targets for a in world.zone.addresses(t) if a.version in versions}
    unavoidable = [
        name
        for name in world.sites
        if not world.site(name).infringing
        and any(a.version in versions for a in world.zone.addresses(name))
        and set(world.zone.addresses(name)) <= listed
    ]
    return [str(a) for a in listed], sorted(unavoidable)

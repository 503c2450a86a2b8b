# mutant of audit_answer: counts an entry as on target when any stream is on its address
# now, though a new stream on an address listed for another is not the original target
import ipaddress


def audit(world, listed_for):
    on_target = [
        address
        for address in listed_for
        if any(
            world.site(n).infringing and ipaddress.ip_address(address) in world.zone.addresses(n)
            for n in world.sites
        )
    ]
    listed = {ipaddress.ip_address(address) for address in listed_for}
    streams, legal = [], []
    for name in world.sites:
        ipv4 = [a for a in world.zone.addresses(name) if a.version == 4]
        if ipv4 and all(a in listed for a in ipv4):
            (streams if world.site(name).infringing else legal).append(name)
    return {"on target": on_target, "streams down": sorted(streams), "legal down": sorted(legal)}

# mutant of audit_answer: calls a site down when one of its addresses is listed, though a
# tenant with a second, unlisted address stays up
import ipaddress


def audit(world, listed_for):
    on_target = [
        address
        for address, (_day, name) in listed_for.items()
        if ipaddress.ip_address(address) in world.zone.addresses(name)
    ]
    listed = {ipaddress.ip_address(address) for address in listed_for}
    streams, legal = [], []
    for name in world.sites:
        if any(a in listed for a in world.zone.addresses(name)):
            (streams if world.site(name).infringing else legal).append(name)
    return {"on target": on_target, "streams down": sorted(streams), "legal down": sorted(legal)}

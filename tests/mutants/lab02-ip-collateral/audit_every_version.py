# mutant of audit_answer: requires every address of a site, its IPv6 ones too, to be listed,
# though the list is of IPv4 addresses and the clients use IPv4 only: nothing is ever down
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
        addresses = world.zone.addresses(name)
        if addresses and all(a in listed for a in addresses):
            (streams if world.site(name).infringing else legal).append(name)
    return {"on target": on_target, "streams down": sorted(streams), "legal down": sorted(legal)}

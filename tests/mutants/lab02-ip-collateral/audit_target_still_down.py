# mutant of audit_answer: counts an entry as on target when the stream it was listed for is
# still down, though the stream moved and a later entry blocks it
import ipaddress


def audit(world, listed_for):
    listed = {ipaddress.ip_address(address) for address in listed_for}

    def down(name):
        ipv4 = [a for a in world.zone.addresses(name) if a.version == 4]
        return bool(ipv4) and all(a in listed for a in ipv4)

    on_target = [address for address, (_day, name) in listed_for.items() if down(name)]
    streams = sorted(n for n in world.sites if world.site(n).infringing and down(n))
    legal = sorted(n for n in world.sites if not world.site(n).infringing and down(n))
    return {"on target": on_target, "streams down": streams, "legal down": legal}

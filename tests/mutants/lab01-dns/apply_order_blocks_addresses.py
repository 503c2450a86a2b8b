# mutant of apply_order_answer: drops the packets to the addresses of the names the order
# covers (the worked example's careless way), taking down every site on shared addresses
import censorsim as cs


def apply_order(world, order):
    covered = [
        site
        for site in world.sites
        for name, scope in order
        if cs.Blocklist([name], match="exact" if scope == "name" else "suffix").matches(site)
    ]
    addresses = [str(a) for name in covered for a in world.zone.addresses(name)]
    world.isp.censor.add(cs.DropOnIP(cs.Blocklist(addresses)))
    subscriber = world.client("order-check")
    return sorted(
        name
        for name in world.sites
        if not world.site(name).infringing and not subscriber.fetch(f"https://{name}/").ok
    )

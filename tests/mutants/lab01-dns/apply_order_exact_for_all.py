# mutant of apply_order_answer: blocks every entry exactly, whatever its scope, so the names
# under a domain the order names keep working
import censorsim as cs


def apply_order(world, order):
    names = [name for name, _scope in order]
    world.isp.censor.add(cs.NXDomainOnQName(cs.Blocklist(names, match="exact")))
    subscriber = world.client("order-check")
    return sorted(
        name
        for name in world.sites
        if not world.site(name).infringing and not subscriber.fetch(f"https://{name}/").ok
    )

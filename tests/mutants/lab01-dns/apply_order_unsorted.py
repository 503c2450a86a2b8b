# mutant of apply_order_answer: blocks correctly, but returns the legal sites in the order
# of world.sites instead of sorted
import censorsim as cs


def apply_order(world, order):
    exact = [name for name, scope in order if scope == "name"]
    domains = [name for name, scope in order if scope == "domain"]
    world.isp.censor.add(cs.NXDomainOnQName(cs.Blocklist(exact, match="exact")))
    world.isp.censor.add(cs.NXDomainOnQName(cs.Blocklist(domains, match="suffix")))
    subscriber = world.client("order-check")
    return [
        name
        for name in world.sites
        if not world.site(name).infringing and not subscriber.fetch(f"https://{name}/").ok
    ]

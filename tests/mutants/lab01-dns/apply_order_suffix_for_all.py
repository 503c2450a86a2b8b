# mutant of apply_order_answer: blocks every entry with its subdomains, whatever its scope,
# so the other names of a legal service named exactly go down too
import censorsim as cs


def apply_order(world, order):
    names = [name for name, _scope in order]
    world.isp.censor.add(cs.NXDomainOnQName(cs.Blocklist(names, match="suffix")))
    subscriber = world.client("order-check")
    return sorted(
        name
        for name in world.sites
        if not world.site(name).infringing and not subscriber.fetch(f"https://{name}/").ok
    )

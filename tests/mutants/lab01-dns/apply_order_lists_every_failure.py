# mutant of apply_order_answer: blocks correctly, but returns every site that fails, the
# infringing ones too, instead of the legal sites only
import censorsim as cs


def apply_order(world, order):
    exact = [name for name, scope in order if scope == "name"]
    domains = [name for name, scope in order if scope == "domain"]
    world.isp.censor.add(cs.NXDomainOnQName(cs.Blocklist(exact, match="exact")))
    world.isp.censor.add(cs.NXDomainOnQName(cs.Blocklist(domains, match="suffix")))
    subscriber = world.client("order-check")
    return sorted(name for name in world.sites if not subscriber.fetch(f"https://{name}/").ok)

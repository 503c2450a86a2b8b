"""DNS: authoritative data, resolver caches and TTLs, negative caching, resolver policy."""

import dns.rcode
import pytest
from helpers import censored

import censorsim as cs
from censorsim import Blocklist
from censorsim.protocols.dns import Zone

STREAM = "futbol-stream.example"


def upstream_queries(trace):
    return [
        e
        for e in trace.events
        if e.kind == "send" and e.hop.endswith("-resolver") and e.packet.dport == 53
    ]


def test_resolver_caches_for_the_ttl(world):
    alice, bob = world.client("alice"), world.client("bob")
    first = alice.resolve("bakery.example")
    assert len(upstream_queries(first.trace)) == 1
    world.advance(120)
    second = bob.resolve("bakery.example")  # another subscriber, same ISP resolver
    assert 179 <= second.ttl <= 180 and not second.cached  # remaining TTL, rounded down
    assert upstream_queries(second.trace) == []
    world.advance(181)
    third = bob.resolve("bakery.example")
    assert len(upstream_queries(third.trace)) == 1 and third.ttl == 300


def test_negative_answers_are_cached_for_the_soa_minimum(world):
    alice = world.client("alice")
    miss = alice.resolve("new-site.example")
    assert miss.failure == "dns:nxdomain" and miss.ttl == 300
    world.zone.add("new-site.example", ["192.0.2.150"])
    assert alice.resolve("new-site.example").failure == "dns:nxdomain"  # cached "no"
    world.advance(301)
    alice.flush_dns()
    world.advance(0)
    assert world.client("bob").resolve("new-site.example").ok


def test_resolver_block_acts_at_once_but_client_caches_keep_the_site_reachable(world):
    alice = world.client("alice")
    assert alice.fetch(f"https://{STREAM}/").ok  # cached by alice for 300 s
    world.isp.censor.add(cs.NXDomainOnQName(Blocklist([STREAM]), ttl=600))
    assert alice.fetch(f"https://{STREAM}/").ok  # the block is not seen yet
    assert world.client("bob").fetch(f"https://{STREAM}/").failure == "dns:nxdomain"
    world.advance(301)
    assert alice.fetch(f"https://{STREAM}/").failure == "dns:nxdomain"


def test_unblocking_waits_for_the_negative_ttl():
    rule = cs.NXDomainOnQName(Blocklist([STREAM]), ttl=600)
    w = censored(rule)
    alice = w.client("alice")
    assert alice.fetch(f"https://{STREAM}/").failure == "dns:nxdomain"
    w.isp.censor.remove(rule)
    w.advance(599)
    assert alice.fetch(f"https://{STREAM}/").failure == "dns:nxdomain"
    w.advance(2)
    assert alice.fetch(f"https://{STREAM}/").ok


def test_on_path_injection_poisons_the_isp_resolver_cache():
    w = censored(cs.SpoofDNSOnQName(Blocklist([STREAM]), address="10.10.34.34", ttl=60))
    lookup = w.client("alice").resolve(STREAM)
    assert [str(a) for a in lookup.addresses] == ["10.10.34.34"]
    assert w.isp.resolver.resolver.cache.get(STREAM, 1, w.now) is not None
    assert w.control.resolve(STREAM).ok  # the control's resolver is not on the censored path


def test_authoritative_answers_are_authoritative(world):
    lookup = world.control.resolve("news.example")
    assert lookup.rcode == "NOERROR"
    assert [str(a) for a in lookup.addresses] == ["203.0.113.12"]
    aaaa = world.control.resolve("news.example", "AAAA")
    assert [str(a) for a in aaaa.addresses] == ["2001:db8:cd::12"]
    nodata = world.control.resolve("blog.example", "AAAA")
    assert nodata.failure == "dns:no-answer" and nodata.rcode == "NOERROR"  # NODATA, RFC 2308
    assert world.control.resolve("no-such.example").failure == "dns:nxdomain"


def test_zone_rejects_bad_input():
    zone = Zone()
    with pytest.raises(ValueError, match="TTL"):
        zone.add("a.example", ["192.0.2.1"], ttl=-1)
    with pytest.raises(ValueError, match="at least one address"):
        zone.add("a.example", [])
    with pytest.raises(ValueError, match="spaces"):
        zone.add("a b.example", ["192.0.2.1"])
    zone.add("A.Example.", ["192.0.2.1", "2001:db8::1"], ttl=10)
    assert zone.lookup("a.example", 1) == (dns.rcode.NOERROR, 10, (zone.addresses("a.example")[0],))


def test_refused_and_silence_from_the_resolver():
    w = censored(cs.RefuseOnQName(Blocklist([STREAM])))
    assert w.client("alice").resolve(STREAM).rcode == "REFUSED"
    w = censored(cs.IgnoreOnQName(Blocklist([STREAM])))
    lookup = w.client("alice").resolve(STREAM)
    assert lookup.failure == "dns:timeout" and lookup.rcode is None
    queries = [e for e in lookup.trace.events if e.kind == "send" and e.hop == "alice"]
    assert len(queries) == 2  # the stub tried twice
    (silence, _) = [e for e in lookup.trace.events if e.kind == "drop"]
    assert silence.verdict.action == "resolver-silence"


def test_a_court_order_against_the_public_resolver_reaches_doh_users(world):
    order = world.public_resolver.network.censor
    order.add(cs.NXDomainOnQName(Blocklist([STREAM])))
    doh = world.client("dora", resolver="https://dns.resolver.example/dns-query")
    assert doh.fetch(f"https://{STREAM}/").failure == "dns:nxdomain"
    assert world.client("alice").fetch(f"https://{STREAM}/").ok  # the ISP was not ordered

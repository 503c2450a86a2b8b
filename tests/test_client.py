"""The client: stages, failures, resolvers (ISP, public, DNS over HTTPS), IPv6, bad input."""

import ipaddress

import pytest
from helpers import censored

import censorsim as cs
from censorsim import Blocklist

STREAM = "futbol-stream.example"


def test_fetch_result_fields(world):
    r = world.client("alice").fetch("https://bakery.example/")
    assert r.ok and r.status == 200 and r.failure is None and r.stage is None
    assert r.address == ipaddress.ip_address("203.0.113.10")
    assert r.headers["content-type"].startswith("text/html")
    assert r.tls_version == "TLSv1.3"
    assert r.dns.addresses == (ipaddress.ip_address("203.0.113.10"),)
    assert "La Espiga" in r.body
    assert repr(r).startswith("<FetchResult https://bakery.example/ ok=True status=200")


def test_plain_http_works_and_has_no_tls(world):
    r = world.client("alice").fetch("http://news.example/path?q=1")
    assert r.ok and r.tls_version is None


def test_doh_bypasses_resolver_blocking_and_hides_the_name():
    w = censored(cs.NXDomainOnQName(Blocklist([STREAM])), cs.SpoofDNSOnQName(Blocklist([STREAM])))
    alice = w.client("alice")
    assert alice.fetch(f"https://{STREAM}/").failure == "dns:nxdomain"
    alice.use_resolver("https://dns.resolver.example/dns-query")
    r = alice.fetch(f"https://{STREAM}/")
    assert r.ok, r.detail
    seen = [e.packet for e in r.trace.events if e.hop == "movinet" and e.kind == "forward"]
    to_doh = [p for p in seen if str(p.dst) == "198.51.100.53" or str(p.src) == "198.51.100.53"]
    assert to_doh and all(p.proto == "tcp" and 443 in (p.sport, p.dport) for p in to_doh)
    assert not any(b"futbol-stream" in p.payload for p in to_doh)  # the query is encrypted
    # the only plain DNS that crossed the censor looked up the DoH server's own name,
    # through the ISP's resolver (as browsers start DoH): never the stream's name
    plain = [cs.wire.describe(p) for p in seen if p.proto == "udp"]
    assert plain and all("dns.resolver.example" in text for text in plain)
    snis = {cs.extract_sni(p.payload) for p in seen if p.payload[:1] == b"\x16" and p.dport == 443}
    assert snis == {"dns.resolver.example", STREAM}  # the SNI of the fetch still shows


def test_doh_failures_map_to_dns_failures():
    w = censored(cs.DropOnIP(Blocklist(["198.51.100.53"])))
    alice = w.client("alice", resolver="https://dns.resolver.example/dns-query")
    r = alice.fetch("https://bakery.example/")
    assert r.failure == "dns:timeout"
    assert "DNS over HTTPS" in r.detail and "tcp:timeout" in r.detail
    w = censored(cs.ResetOnSNI(Blocklist(["dns.resolver.example"])))
    alice = w.client("alice", resolver="https://dns.resolver.example/dns-query")
    assert alice.fetch("https://bakery.example/").failure == "dns:reset"


def test_public_resolver_by_address_escapes_resolver_blocking():
    w = censored(cs.NXDomainOnQName(Blocklist([STREAM])))
    alice = w.client("alice")
    assert alice.fetch(f"https://{STREAM}/").failure == "dns:nxdomain"
    alice.use_resolver("198.51.100.53")
    assert alice.fetch(f"https://{STREAM}/").ok


def test_ipv6_fetch_uses_aaaa_and_escapes_an_ipv4_only_block():
    w = censored(cs.DropOnIP(Blocklist(["203.0.113.0/24"])))
    v4 = w.client("alice")
    v6 = w.client("bob", ip_version=6)
    assert v4.fetch("https://bakery.example/").failure == "tcp:timeout"
    r = v6.fetch("https://bakery.example/")
    assert r.ok and r.address == ipaddress.ip_address("2001:db8:cd::10")
    assert r.dns.rdtype == "AAAA"


def test_ip_literal_urls_skip_dns_and_send_no_sni(world):
    r = world.client("alice").fetch("https://203.0.113.10/")
    assert r.dns is None
    assert r.failure == "tls:certificate-hostname"  # no certificate names an address
    hello = next(p for p in r.trace.packets() if p.payload[:1] == b"\x16")
    assert cs.extract_sni(hello.payload) is None
    assert world.client("bob").fetch("http://203.0.113.10/").status == 404


def test_client_dns_cache_honours_ttl(world):
    alice = world.client("alice")
    first = alice.resolve("bakery.example")
    assert not first.cached and first.ttl == 300
    world.advance(100)
    again = alice.resolve("bakery.example")
    assert again.cached and again.ttl == 200 and len(again.trace) == 0
    world.advance(201)
    assert not alice.resolve("bakery.example").cached


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://bakery.example/", "http:// or https://"),
        ("bakery.example", "http:// or https://"),
        ("https:///path", "no host name"),
        ("https://exa mple.org/", "spaces"),
        (42, "not a URL"),
        ("https://bakery.example:99999/", "invalid port"),
    ],
)
def test_bad_urls_raise_clear_errors(world, url, words):
    with pytest.raises(ValueError) as info:
        world.client("alice").fetch(url)
    assert words in str(info.value)


def test_bad_resolver_and_options_raise(world):
    alice = world.client("alice")
    with pytest.raises(ValueError, match="not 'isp', an IP address"):
        alice.use_resolver("my favourite resolver")
    with pytest.raises(ValueError, match="ip_version"):
        world.client("carol", ip_version=5)
    with pytest.raises(ValueError, match="only"):
        alice.resolve("bakery.example", "MX")
    with pytest.raises(ValueError, match="exists already"):
        world.client("alice", resolver="198.51.100.53")
    with pytest.raises(ValueError, match="split_hello"):
        world.client("dave", split_hello=0)
    # an offset past the end of the hello: it leaves in one segment (documented)
    r = world.client("erin", split_hello=10_000).fetch("https://bakery.example/")
    assert r.ok
    hellos = [p for p in r.trace.packets() if p.dport == 443 and p.payload[:1] == b"\x16"]
    assert len(hellos) == 1


def test_unknown_name_is_nxdomain_everywhere(world):
    assert world.client("alice").fetch("https://nope.example/").failure == "dns:nxdomain"
    assert world.control.fetch("https://nope.example/").failure == "dns:nxdomain"


def test_site_unknown_to_the_cdn_fails_the_certificate(world):
    world.zone.add("other.example", ["203.0.113.10"])
    r = world.client("alice").fetch("https://other.example/")
    assert r.failure == "tls:certificate-hostname"
    assert "other.example" in r.detail


def test_bogons_and_networks_in_the_simulated_internet(world):
    from censorsim.measure import is_bogon, network_of

    assert is_bogon("127.0.0.1") and is_bogon("10.10.34.34") and is_bogon("::1")
    assert not is_bogon("203.0.113.10") and not is_bogon("2001:db8:cd::10")
    assert not is_bogon("198.18.255.80")  # the ISP's block page is a public address here
    with pytest.raises(ValueError, match="not an IPv4 or IPv6 address"):
        is_bogon("bakery.example")
    assert network_of(world, "203.0.113.10").name == "nimbus"
    assert network_of(world, "203.0.113.99").asn == 64501  # unassigned, still the CDN's
    assert network_of(world, "8.8.8.8") is None


# -- browsers try every address (Happy Eyeballs, RFC 8305) ----------------------------------
def test_a_site_whose_first_address_is_dropped_still_loads_from_its_second():
    w = censored(cs.DropOnIP(Blocklist(["203.0.113.10"])))
    r = w.client("alice").fetch("https://pay.example/")  # on 203.0.113.10 and .11
    assert r.ok and r.address == ipaddress.ip_address("203.0.113.11")
    assert [(str(a.address), a.failure) for a in r.attempts] == [
        ("203.0.113.10", "abandoned"),
        ("203.0.113.11", None),
    ]
    assert r.attempts[1].started - r.attempts[0].started == pytest.approx(0.250)
    syns = [p for p in r.trace.packets() if p.flags == "S"]
    assert [str(p.dst) for p in syns] == ["203.0.113.10", "203.0.113.11"]  # both attempts
    # the abandoned attempt stops: no SYN to the first address is retransmitted later
    later = w.client("alice").fetch("https://news.example/")
    assert not [p for p in later.trace.packets() if str(p.dst) == "203.0.113.10"]


def test_a_refused_address_moves_on_at_once():
    w = censored(cs.ResetOnIP(Blocklist(["203.0.113.10"])))
    r = w.client("alice").fetch("https://pay.example/")
    assert r.ok and r.attempts[0].failure == "tcp:refused"
    assert r.attempts[1].started - r.attempts[0].started < 0.05  # no 250 ms wait


def test_an_ipv4_block_leaves_a_dual_stack_client_on_ipv6():
    w = censored(cs.DropOnIP(Blocklist(["203.0.113.0/24"])))
    dual = w.client("dana", ip_version="dual")
    r = dual.fetch("https://bakery.example/")
    assert r.ok and r.address == ipaddress.ip_address("2001:db8:cd::10")
    assert r.dns.rdtype == "AAAA+A" and len(r.dns.addresses) == 2
    assert r.attempts[0].address.version == 6  # IPv6 first
    assert w.client("vera").fetch("https://bakery.example/").failure == "tcp:timeout"
    both = censored(cs.DropOnIP(Blocklist(["203.0.113.0/24", "2001:db8:cd::/48"])))
    r = both.client("dana", ip_version="dual").fetch("https://bakery.example/")
    assert r.failure == "tcp:timeout" and {a.address.version for a in r.attempts} == {4, 6}


def test_a_dual_stack_client_queries_aaaa_first():
    w = cs.worlds.football_night()
    r = w.client("dana", ip_version="dual").fetch("https://bakery.example/")
    queries = [p.summary() for p in r.trace.packets() if p.proto == "udp" and p.dport == 53]
    assert queries[:2] == ["DNS query AAAA bakery.example", "DNS query A bakery.example"]


# -- redirects --------------------------------------------------------------------------------
def _redirects(world, chain):
    for i, target in enumerate(chain):
        world.hosting.add_site(cs.Site(f"r{i}.example", f"hop {i}", redirect=target))


def test_a_redirect_chain_of_three_is_followed():
    w = cs.worlds.football_night()
    _redirects(w, ["https://r1.example/a", "https://r2.example/", "http://bakery.example/"])
    r = w.client("alice").fetch("https://r0.example/")
    assert r.ok and r.status == 200 and "La Espiga" in r.body
    assert [h.url for h in r.history] == [
        "https://r0.example/",
        "https://r1.example/a",
        "https://r2.example/",
    ]
    assert [(h.status, h.location) for h in r.history][-1] == (301, "http://bakery.example/")
    assert r.final_url == "http://bakery.example/" and r.url == "https://r0.example/"
    sent = [p for p in r.trace.packets() if p.dport == 443 and p.payload[:1] == b"\x16"]
    hellos = [cs.extract_sni(p.payload) for p in sent]
    assert hellos == ["r0.example", "r1.example", "r2.example"]  # http: no ClientHello


def test_a_redirect_loop_stops_after_ten():
    w = cs.worlds.football_night()
    _redirects(w, [f"https://r{(i + 1) % 3}.example/" for i in range(3)])
    r = w.client("alice").fetch("https://r0.example/")
    assert r.failure == "http:too-many-redirects" and not r.ok
    assert len(r.history) == 11  # the 11th redirect is the one refused


def test_a_broken_location_is_a_failure():
    w = cs.worlds.football_night()
    _redirects(w, ["ftp://files.example/"])
    w.hosting.add_site(cs.Site("nolocation.example", "?", status=302, headers={}))
    r = w.client("alice").fetch("https://r0.example/")
    assert r.failure == "http:bad-redirect" and "ftp://" in r.detail
    r = w.client("alice").fetch("https://nolocation.example/")
    assert r.failure == "http:bad-redirect" and "Location" in r.detail


# -- DNS over HTTPS starts with the system resolver ---------------------------------------
DOH = "https://dns.resolver.example/dns-query"


def test_doh_looks_its_server_up_with_the_system_resolver_first():
    w = cs.worlds.football_night()
    r = w.client("alice", resolver=DOH).fetch("https://bakery.example/")
    assert r.ok
    first = r.trace.packets()[0]
    assert first.summary() == "DNS query A dns.resolver.example"
    assert str(first.dst) == "198.18.255.53"  # movinet's resolver


def test_a_resolver_rule_on_the_doh_name_breaks_doh_unless_its_address_is_given():
    w = censored(cs.NXDomainOnQName(Blocklist(["dns.resolver.example"])))
    r = w.client("alice", resolver=DOH).fetch("https://bakery.example/")
    assert r.failure == "dns:nxdomain" and "DNS-over-HTTPS server" in r.detail
    bob = w.client("bob")
    bob.use_resolver(DOH, bootstrap="198.51.100.53")  # as a browser configured with it
    assert bob.fetch("https://bakery.example/").ok
    with pytest.raises(ValueError, match="bootstrap"):
        bob.use_resolver(DOH, bootstrap="not-an-address")


def test_client_options_are_checked_and_a_refused_client_leaves_nothing():
    w = cs.worlds.football_night()
    for options, error in [
        ({"ip_version": 5}, ValueError),
        ({"split_hello": 0}, ValueError),
        ({"timeouts": 3}, TypeError),
    ]:
        with pytest.raises(error):
            w.client("eve", **options)
    assert "eve" not in w.hosts
    assert w.client("eve").address == w.client("eve").host.address  # the name is free again
    with pytest.raises(ValueError, match="dns"):
        cs.Timeouts(dns=float("nan"))
    with pytest.raises(ValueError, match="port"):
        w.client("eve").fetch("https://bakery.example:0/")

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
    assert not any(p.proto == "udp" for p in seen)  # no plain DNS crossed the censor
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
    assert alice.fetch("https://bakery.example/").failure == "dns:refused"


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
    assert r.failure == "tls:certificate"  # no certificate names an address
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
        world.client("dave", split_hello=10_000).fetch("https://bakery.example/")


def test_unknown_name_is_nxdomain_everywhere(world):
    assert world.client("alice").fetch("https://nope.example/").failure == "dns:nxdomain"
    assert world.control.fetch("https://nope.example/").failure == "dns:nxdomain"


def test_site_unknown_to_the_cdn_fails_the_certificate(world):
    world.zone.add("other.example", ["203.0.113.10"])
    r = world.client("alice").fetch("https://other.example/")
    assert r.failure == "tls:certificate"
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

"""The relaying (transparent) proxy: DNS hijacking and destination NAT send connections to
it, and it takes them to the site their Host header or SNI names (issue 8)."""

from __future__ import annotations

import math

import pytest

import censorsim as cs
from censorsim.protocols.http import request_bytes
from censorsim.protocols.proxy import RelayProxy
from censorsim.protocols.tcp import TCPError, TCPStack
from censorsim.protocols.web import WebServer

NEWS = "news.example"  # a site of the CDN


def proxied_world(seed: int = 0):
    """football_night with an ISP proxy in a network of its own (beyond the censor, as
    OONI's QA network puts it) and an echo site that shows the requests it gets."""
    world = cs.worlds.football_night(seed=seed)
    world.add_network("proxynet", "hosting", ["192.0.2.64/28"], asn=64999)
    proxy = cs.worlds.add_proxy(world, "isp-proxy", "proxynet", resolver="198.51.100.53")
    echo = world.add_host("echo", "hostco")

    def show(request, reply):
        lines = [f"{name}: {value}" for name, value in request.headers]
        reply(200, ("\n".join(lines) + "\n").encode(), {"content-type": "text/plain"})

    WebServer(echo, ("echo.example",), ca=world.ca, handlers={"/headers": show})
    world.zone.add("echo.example", echo.addresses)
    return world, proxy


def hijack(world, proxy, names):
    world.isp.censor.add(
        cs.SpoofDNSOnQName(cs.Blocklist(names), address=str(proxy.host.addresses[0]))
    )


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_hijacked_name_reaches_the_real_site_through_the_proxy(scheme):
    world, proxy = proxied_world()
    direct = world.client("bob").fetch(f"{scheme}://{NEWS}/")
    hijack(world, proxy, [NEWS])
    r = world.client("alice", resolver="198.51.100.53").fetch(f"{scheme}://{NEWS}/")
    assert r.ok, r.detail
    assert r.address == proxy.host.addresses[0]  # the client talked to the proxy...
    assert (r.status, r.body) == (direct.status, direct.body)  # ...and got the site's page
    assert r.headers["server"] == "nimbus"
    assert proxy.connections == {NEWS: 1}
    if scheme == "https":  # the site's own certificate: the proxy never decrypted anything
        assert r.tls_version == direct.tls_version


def test_the_proxy_adds_via_and_keeps_the_request_as_sent():
    world, proxy = proxied_world()
    hijack(world, proxy, ["echo.example"])
    r = world.client("alice", resolver="198.51.100.53").fetch("http://echo.example/headers")
    assert r.ok, r.detail
    seen = r.body.splitlines()
    assert seen[0] == "host: echo.example"
    assert seen[-1] == "via: 1.1 isp-proxy"
    assert sum(line.startswith("user-agent:") for line in seen) == 1
    # the control, outside the ISP, reaches the site itself: no Via
    clean = world.control.fetch("http://echo.example/headers")
    assert "via:" not in clean.body


def test_destination_nat_sends_an_address_to_the_proxy():
    """The first stage of a hybrid system (BT's Cleanfeed): packets to listed addresses go
    to the proxy, which relays them."""
    world, proxy = proxied_world()
    site = world.zone.addresses(NEWS)[0]
    world.isp.censor.add(cs.BlockpageOnIP(cs.Blocklist([str(site)]), address=str(proxy.host.addresses[0])))  # fmt: skip
    r = world.client("alice", ip_version=4).fetch(f"https://{NEWS}/")
    assert r.ok, r.detail
    assert r.address == site  # the client believes it talked to the site
    assert proxy.connections == {NEWS: 1}
    assert "redirect" in {e.verdict.action for e in r.trace.verdicts()}


def raw(world, proxy, port, data):
    """Send ``data`` to the proxy from a fresh client; what comes back, or the TCP error."""
    client = world.client("raw").host

    def talk():
        sock = TCPStack.of(client).connect(proxy.host.addresses[0], port)
        yield from sock.wait_connected(2.0)
        sock.send(data)
        got = b""
        try:
            while chunk := (yield from sock.recv(30.0)):
                got += chunk
        except TCPError as error:
            return f"tcp:{error.kind}", got
        return None, got

    return world.run(talk())


@pytest.mark.parametrize(
    ("port", "data", "expected"),
    [
        (443, b"\x16\x03\x01\x00\x05hello", "tcp:reset"),
        (443, b"this is not TLS at all", "tcp:reset"),
        (80, b"GET / HTTP/1.0\r\n\r\n", b"HTTP/1.1 400"),
        (80, b"GET / HTTP/1.1\r\nHost: news.example\r\nVia: 1.1 elsewhere\r\n\r\n", b"HTTP/1.1 400"),
        (80, b"\x00\x01garbage\r\n\r\n", b"HTTP/1.1 400"),
        (80, request_bytes("GET", "/", "no-such-site.example"), b"HTTP/1.1 502"),
        (80, request_bytes("GET", "/", "isp-proxy.example"), b"HTTP/1.1 508"),
    ],
    ids=["bad-hello", "not-tls", "no-host", "via", "garbage", "unknown-name", "loop"],
)  # fmt: skip
def test_what_the_proxy_cannot_relay_gets_an_explicit_answer(port, data, expected):
    world, proxy = proxied_world()
    world.zone.add("isp-proxy.example", proxy.host.addresses)
    failure, got = raw(world, proxy, port, data)
    if isinstance(expected, str):
        assert failure == expected
    else:
        assert failure is None and got.startswith(expected), got[:80]
    assert proxy.connections == {}


@pytest.mark.parametrize("dark", ["refuses", "silent"])
def test_a_site_that_cannot_be_reached_gets_a_502_and_the_world_goes_on(dark):
    world, proxy = proxied_world()
    if dark == "refuses":  # a host where nothing listens on port 80: a reset
        world.zone.add("dark.example", world.add_host("dark", "hostco").addresses)
    else:  # an address nobody has: the proxy gives up after its timeout
        world.zone.add("dark.example", ["192.0.2.200"])
    started = world.now
    failure, got = raw(world, proxy, 80, request_bytes("GET", "/", "dark.example"))
    assert failure is None and got.startswith(b"HTTP/1.1 502"), got[:80]
    assert (world.now - started > proxy.timeout) == (dark == "silent")
    hijack(world, proxy, [NEWS])
    assert world.client("alice", resolver="198.51.100.53").fetch(f"http://{NEWS}/").ok


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"resolver": "not-an-address"}, "resolver 'not-an-address'"),
        ({"resolver": "192.0.2.53", "timeout": math.nan}, "timeout"),
        ({"resolver": "192.0.2.53", "timeout": -1}, "timeout"),
    ],
)
def test_bad_options_are_named(options, message):
    world = cs.worlds.football_night(seed=0)
    host = world.add_host("p", "hostco")
    with pytest.raises(ValueError, match=message):
        RelayProxy(host, **options)


def test_a_proxy_needs_a_resolver_where_its_network_has_none():
    world = cs.worlds.football_night(seed=0)
    with pytest.raises(ValueError, match="'hostco' has no resolver"):
        cs.worlds.add_proxy(world, "p", "hostco")
    assert cs.worlds.add_proxy(world, "q", "movinet").resolver == world.isp.resolver.address

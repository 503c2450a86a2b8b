"""OONI's Web Connectivity QA environment, rebuilt in the simulator (tests only).

ooni/probe-cli tests Web Connectivity against a simulated internet of its own
(``internal/netemx``, "QAEnv") and a list of scenarios (``internal/webconnectivityqa``):
the same probe, the same test helper, one censorship rule per scenario, and the
``blocking`` / ``accessible`` values each must give. :func:`qa_world` builds that
internet with this course's builders, with the names of OONI's QA environment, so that
each scenario in ``test_measure.py`` reads like its Go original (nothing is ever
contacted: these names live in the simulator only). The addresses are the simulator's.

What each OONI host is here:

* ``www.example.com``, ``www.example.org``, ``example.com``, ``example.org``: one web
  server (``WWW``), as netemx's ``AddressWwwExampleCom``; the bare names redirect (308) to
  their ``www.`` form over https;
* ``bit.ly``: a URL shortener (``/21645`` -> ``https://www.example.com/``, ``/32447`` ->
  ``http://www.example.com/``...);
* ``httpbin.com``: ``/redirect/N`` redirects N times; ``/broken-redirect-http(s)`` sends
  the probe's network a redirect to ``http://`` (no host) and everybody else a good one;
* ``expired.badssl.com``, ``wrong.host.badssl.com`` (the three certificate errors), and
  ``untrusted-root.badssl.com`` on a server whose every certificate comes from an
  authority nobody trusts (``BADSSL``);
* ``www.cloudflare-cache.com``: on a CDN that shows the probe's network a CAPTCHA wall;
* ``largefile.com``: a page longer than the probe reads (512 KiB);
* ``яндекс.рф``: an internationalised name;
* the ISP's transparent proxy (``PROXY``), which relays to the sites themselves,
  and a public block-page server on plain HTTP only (``PUBLIC_BLOCKPAGE``);
* a public resolver (``198.51.100.53``) and the test helper (``th.ooni.example``).
"""

from __future__ import annotations

from dataclasses import replace

import dns.rcode

import censorsim as cs
from censorsim.core.net import Verdict
from censorsim.names import normalize_name
from censorsim.protocols.dns import ResolverDecision, make_answer
from censorsim.protocols.web import WebServer

WWW = "192.0.2.134"
BITLY = "192.0.2.145"
HTTPBIN = "192.0.2.161"
BADSSL = "192.0.2.177"
UNTRUSTED = "192.0.2.178"
LARGEFILE = "192.0.2.193"
YANDEX = "192.0.2.209"
PUBLIC_BLOCKPAGE = "192.0.2.225"
CLOUDFLARE = "203.0.113.10"
PROXY = "192.0.2.241"
ISP_PREFIX = "198.18.0.0/16"
PUBLIC_RESOLVER = "198.51.100.53"
TH_NAME = "th.ooni.example"

#: netemx's ``ExampleWebPage``: long enough not to be confused with the block page.
EXAMPLE_TEXT = (
    "This domain is for use in illustrative examples in documents. You may use this domain "
    "in literature without prior coordination or asking for permission. "
) * 3
#: netemx's ``Blockpage``.
BLOCKPAGE = """<!doctype html>
<html>
<head>
	<title>Access Denied</title>
</head>
<body>
<div>
	<h1>Access Denied</h1>
	<p>This request cannot be served in your jurisdiction.</p>
</div>
</body>
</html>
"""
SHORTENER = {
    "/21645": "https://www.example.com/",
    "/32447": "http://www.example.com/",
    "/24561": "https://example.com/",
    "/21309": "http://example.com/",
}
EXAMPLE_HEADERS = {"Alt-Svc": 'h3=":443"'}


def _redirects(to: str, status: int = 308):
    def handle(request, reply) -> None:
        reply(status, b"", {"Location": to})

    return handle


def _httpbin_handlers(isp_network):
    handlers = {}
    for n in range(0, 16):
        if n == 0:
            handlers["/redirect/0"] = lambda request, reply: reply(200, b"", {})
        else:
            handlers[f"/redirect/{n}"] = _redirects(f"/redirect/{n - 1}", 302)

    def broken(scheme: str):
        def handle(request, reply) -> None:
            in_isp = any(request.peer in p for p in isp_network.prefixes if p.version == 4)
            location = f"{scheme}://" if in_isp else f"{scheme}://www.example.com/"
            reply(302, b"", {"Location": location})

        return handle

    handlers["/broken-redirect-http"] = broken("http")
    handlers["/broken-redirect-https"] = broken("https")
    return handlers


def qa_world(seed: int = 0) -> cs.World:
    """OONI's QA internet (see the module); ``world.probe`` is the client to measure from."""
    world = cs.worlds.new_world(seed)
    isp = cs.worlds.add_isp(world, "isp", [ISP_PREFIX], resolver_address="198.18.255.53", asn=64500)
    cs.worlds.add_resolver(
        world, "public-dns", ["198.51.100.0/24"], PUBLIC_RESOLVER, doh_name="dns.public.example",
        asn=64503,
    )  # fmt: skip
    world.public_resolver = world.host("public-dns-resolver")
    ca = world.ca
    networks = {}

    def network(name, prefix, asn):
        """Each of OONI's hosts lives in an autonomous system of its own, as on the internet."""
        networks[name] = world.add_network(name, "hosting", [prefix], latency=0.005, asn=asn)
        return networks[name]

    def server(name, address, sites=(), **options):
        host = world.add_host(name, world.network_of(address), [address])
        sites = {s.name: s for s in sites}
        WebServer(host, (name,), ca=options.pop("ca", ca), sites=sites, **options)
        for site in sites.values():
            cs.worlds.publish(world, site, [address])
        return host

    network("example-net", "192.0.2.128/28", 15133)
    network("bitly-net", "192.0.2.144/28", 396982)
    network("httpbin-net", "192.0.2.160/28", 13336)
    network("badssl-net", "192.0.2.176/28", 396983)
    network("largefile-net", "192.0.2.192/28", 16509)
    network("yandex-net", "192.0.2.208/28", 13238)
    network("blockpage-net", "192.0.2.224/28", 3269)
    network("proxy-net", "192.0.2.240/28", 137)

    example = [
        cs.Site("www.example.com", "Example Domain", EXAMPLE_TEXT, headers=EXAMPLE_HEADERS),
        cs.Site("www.example.org", "Example Domain", EXAMPLE_TEXT, headers=EXAMPLE_HEADERS),
        cs.Site("example.com", "", redirect="https://www.example.com/", status=308),
        cs.Site("example.org", "", redirect="https://www.example.org/", status=308),
    ]
    server("www.example.com", WWW, example)
    shortener = world.add_host("bit.ly", networks["bitly-net"], [BITLY])
    WebServer(
        shortener, ("bit.ly",), ca=ca, handlers={p: _redirects(u) for p, u in SHORTENER.items()}
    )
    world.zone.add("bit.ly", [BITLY])
    httpbin = world.add_host("httpbin.com", networks["httpbin-net"], [HTTPBIN])
    WebServer(httpbin, ("httpbin.com",), ca=ca, handlers=_httpbin_handlers(isp))
    world.zone.add("httpbin.com", [HTTPBIN])
    server(
        "badssl.com",
        BADSSL,
        [
            cs.Site("expired.badssl.com", "expired", certificate="expired"),
            cs.Site("wrong.host.badssl.com", "wrong.host", certificate="wrong-name"),
        ],
    )
    server(
        "untrusted-root.badssl.com",
        UNTRUSTED,
        [cs.Site("untrusted-root.badssl.com", "untrusted-root")],
        ca=ca.untrusted(),  # even its default certificate: what netemx's badssl serves
    )
    server("largefile.com", LARGEFILE, [cs.Site("largefile.com", "Large file", "x" * 600_000)])
    yandex = normalize_name("яндекс.рф")
    server(yandex, YANDEX, [cs.Site(yandex, "Яндекс", "Найдётся всё")])
    blockpage = world.add_host("public-blockpage", networks["blockpage-net"], [PUBLIC_BLOCKPAGE])
    WebServer(
        blockpage,
        ("public-blockpage",),
        ca=ca,
        https=False,
        catch_all=cs.Site("public-blockpage", "Access Denied", "Cannot be served here."),
    )
    cdn = cs.worlds.add_cdn(world, "cloudflare", ["203.0.113.0/24"], [[CLOUDFLARE]], asn=13335)
    cdn.add_site(
        cs.Site(
            "www.cloudflare-cache.com",
            "Cloudflare cached page",
            "A page cached at the edge. " * 20,
            captcha_for=[ISP_PREFIX],
        )
    )
    # the ISP's transparent proxy: beyond its censor, as netemx's (its DPI sits on the
    # probe's link), in a network of its own; it relays to the real sites, by Host header
    # and by SNI, as netemx's proxies do
    cs.worlds.add_proxy(world, "isp-proxy", networks["proxy-net"], PROXY, resolver=PUBLIC_RESOLVER)
    cs.measure.add_test_helper(world, TH_NAME)
    world.probe = world.client("probe", isp)
    return world


class SpoofBlockpageOnHost(cs.BlockpageOnHost):
    """netem's ``DPISpoofBlockpageForString``: answer with a bare ``HTTP/1.0 200 OK`` and
    the block page (no headers at all), as OONI's QA does."""

    def inspect(self, observation):
        verdict = super().inspect(observation)
        if verdict is None:
            return None
        answer, to_server = verdict.inject
        raw = b"HTTP/1.0 200 OK\r\n\r\n" + BLOCKPAGE.encode()
        return replace(verdict, inject=(replace(answer, payload=raw), to_server))


def nodata_everywhere(world: cs.World, name: str) -> None:
    """Every resolver answers NOERROR without an address for ``name`` (netemx's
    ``AddRecordToAllResolvers(name, cname)`` with a CNAME that has no address)."""
    name = normalize_name(name)
    for host in world.hosts.values():
        resolver = getattr(host, "resolver", None)
        if resolver is None or not hasattr(resolver, "policy"):
            continue
        previous = resolver.policy

        def policy(query, previous=previous):
            if query.name == name:
                answer = make_answer(query.message, dns.rcode.NOERROR, ())
                return ResolverDecision(
                    answer, Verdict("nodata", forward=True, reason="no address")
                )
            return previous(query) if previous is not None else None

        resolver.policy = policy

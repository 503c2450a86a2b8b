"""Ready-made worlds from the case studies, and the builders they are made with.

``football_night(seed=0)`` is the world of lesson 00 and of most of the course: an ISP
that is ordered to block a live-football streaming site, on a night when that site sits
on a CDN's shared addresses next to a bakery, a school, a news site and a payments page.
It is modelled on Spain's blocking of shared Cloudflare addresses during LaLiga matches
from February 2025, when unrelated sites (payments among them: Redsys, 11 May 2025) went
down with the targets (case facts; Xataka, Feb 2025; El País, 16 May 2025). Names and
addresses are fictional: names end in ``.example`` (RFC 2606) and addresses come from the
documentation and benchmarking ranges, which here play the part of public address space.

The builders (:func:`add_isp`, :func:`add_cdn`, :func:`add_hosting`, :func:`add_resolver`)
make other worlds the same way (labs use them to build unknown censors).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from censorsim.dns import AuthoritativeServer, RecursiveResolver
from censorsim.net import Host, Network, World
from censorsim.web import Site, WebServer, doh_handler

__all__ = [
    "football_night",
    "new_world",
    "add_isp",
    "add_cdn",
    "add_hosting",
    "add_resolver",
    "CDN",
    "Hosting",
]


def new_world(
    seed: int = 0, *, epoch: float = 1_772_913_600.0, authoritative="192.0.2.53"
) -> World:
    """An empty world with its authoritative DNS server in an infrastructure network.

    ``epoch`` (POSIX seconds) is the wall-clock moment virtual time 0 stands for; the
    default is Saturday 7 March 2026, 20:00 UTC.
    """
    world = World(seed=seed, epoch=epoch)
    infra = world.add_network(
        "infra",
        "infrastructure",
        ["192.0.2.0/26"],
        latency=0.012,
        access_latency=0.0005,
        asn=64496,
    )
    ns = world.add_host("ns", infra, [authoritative])
    AuthoritativeServer(ns, world.zone)
    world.authoritative = ns
    return world


def add_isp(
    world: World,
    name: str,
    prefixes: Sequence[str],
    *,
    resolver_address: str,
    blockpage_address: str | None = None,
    blockpage_name: str | None = None,
    latency: float = 0.008,
    access_latency: float = 0.004,
    asn: int | None = None,
) -> Network:
    """An ISP: subscribers, a censor engine, its own resolver, and a block-page server.

    The resolver consults the censor engine's resolver rules before answering.
    """
    isp = world.add_network(
        name, "isp", prefixes, latency=latency, access_latency=access_latency, asn=asn
    )
    host = world.add_host(f"{name}-resolver", isp, [resolver_address])
    resolver = RecursiveResolver(
        host, world.authoritative.address, policy=isp.censor.resolver_action
    )
    isp.resolver = host
    host.resolver = resolver
    if blockpage_address is not None:
        page_name = blockpage_name or f"blocked.{name}.example"
        bp = world.add_host(f"{name}-blockpage", isp, [blockpage_address])
        notice = Site(
            page_name,
            "451 Unavailable For Legal Reasons",
            f"Access to this site has been blocked by {name} on the order of the authorities.",
            status=451,
            category="blockpage",
        )
        WebServer(
            bp,
            (page_name,),
            sites={page_name: notice},
            catch_all=notice,
            server_header=f"{name}-blockpage",
        )
        world.zone.add(page_name, [blockpage_address], ttl=3600)
        isp.censor.blockpage_addresses = (bp.address,)
        isp.blockpage = bp
    if world.isp is None:
        world.isp = isp
    return isp


def _publish(world: World, site: Site, addresses, ttl: int) -> None:
    """Put a site in DNS and in the world's list of sites."""
    world.zone.add(site.name, addresses, ttl=ttl)
    world.site_index[site.name] = site


class CDN:
    """A CDN: a few edge addresses that serve every customer site (lesson 03)."""

    def __init__(self, world: World, network: Network, edges: list[Host], servers: list[WebServer]):
        self.world, self.network, self.edges, self.servers = world, network, edges, servers

    def __repr__(self) -> str:
        return f"<CDN {self.network.name}: {len(self.edges)} edges, {len(self.sites)} sites>"

    @property
    def sites(self) -> list[str]:
        return sorted(self.servers[0].sites) if self.servers else []

    def add_site(self, site: Site, edges: Iterable[int] = (0,), *, ttl: int = 300) -> Site:
        """Serve ``site`` from every edge, and publish the addresses of ``edges`` in DNS.

        Any edge answers for any customer (as anycast CDNs do); DNS decides which edge
        addresses a client is told about.
        """
        for server in self.servers:
            server.add_site(site)
        chosen = [self.edges[i] for i in edges]
        _publish(self.world, site, [a for h in chosen for a in h.addresses], ttl)
        return site


def add_cdn(
    world: World,
    name: str,
    prefixes: Sequence[str],
    edge_addresses: Sequence[Sequence[str]],
    *,
    latency: float = 0.002,
    allow_fronting: bool = True,
    asn: int | None = None,
) -> CDN:
    """A CDN network with one edge host per entry of ``edge_addresses``."""
    net = world.add_network(name, "cdn", prefixes, latency=latency, access_latency=0.0003, asn=asn)
    edges, servers = [], []
    for i, addresses in enumerate(edge_addresses, start=1):
        edge = world.add_host(f"{name}-edge-{i}", net, addresses)
        servers.append(
            WebServer(
                edge,
                (f"edge-{i}.{name}.example",),
                allow_fronting=allow_fronting,
                server_header=name,
            )
        )
        edges.append(edge)
    return CDN(world, net, edges, servers)


class Hosting:
    """A hosting network where each site gets a server and an address of its own."""

    def __init__(self, world: World, network: Network):
        self.world, self.network = world, network

    def __repr__(self) -> str:
        return f"<Hosting {self.network.name}: {len(self.network.hosts)} hosts>"

    def add_site(
        self, site: Site, addresses: Sequence[str] | None = None, *, ttl: int = 3600
    ) -> Host:
        host = self.world.add_host(site.name, self.network, addresses)
        WebServer(host, (site.name,), sites={site.name: site})
        _publish(self.world, site, host.addresses, ttl)
        return host


def add_hosting(
    world: World,
    name: str,
    prefixes: Sequence[str],
    *,
    latency: float = 0.005,
    asn: int | None = None,
) -> Hosting:
    net = world.add_network(
        name, "hosting", prefixes, latency=latency, access_latency=0.0005, asn=asn
    )
    return Hosting(world, net)


def add_resolver(
    world: World,
    name: str,
    prefixes: Sequence[str],
    address: str,
    *,
    doh_name: str | None = None,
    extra_addresses: Sequence[str] = (),
    latency: float = 0.006,
    asn: int | None = None,
    censor: bool = True,
) -> Host:
    """A public resolver operator: plain DNS on port 53 and, with ``doh_name``, DNS over HTTPS.

    With ``censor`` (the default) the operator's network has a censor engine, empty at
    first, whose resolver rules the resolver obeys: this is how a court order against a
    public resolver is modelled (France 2024, lesson 02):
    ``world.public_resolver.network.censor.add(cs.NXDomainOnQName(...))``.
    """
    net = world.add_network(
        name,
        "resolver",
        prefixes,
        latency=latency,
        access_latency=0.0003,
        asn=asn,
        censor=censor,
    )
    host = world.add_host(f"{name}-resolver", net, [address, *extra_addresses])
    policy = net.censor.resolver_action if net.censor is not None else None
    resolver = RecursiveResolver(host, world.authoritative.address, policy=policy)
    host.resolver = resolver
    if doh_name is not None:
        WebServer(
            host,
            (doh_name,),
            handlers={"/dns-query": doh_handler(resolver)},
            http=False,
            server_header=name,
        )
        world.zone.add(doh_name, host.addresses, ttl=3600)
    return host


def football_night(seed: int = 0) -> World:
    """The world of lesson 00: a censoring ISP, a CDN with shared addresses, and its sites.

    * ``world.isp``: the ISP "movinet" (censor engine ``world.isp.censor``, resolver
      198.18.255.53, block-page server 198.18.255.80); ``world.client(name)`` adds a
      subscriber;
    * a CDN "nimbus" with three shared edge addresses (203.0.113.10-12) serving the
      infringing ``futbol-stream.example`` and four legal sites: ``bakery.example`` and
      ``pay.example`` share its first address, ``school.example`` its second,
      ``news.example`` has the third to itself;
    * ``blog.example`` on its own address at a hosting company;
    * a public resolver 198.51.100.53 that also speaks DNS over HTTPS
      (``https://dns.resolver.example/dns-query``);
    * ``world.control``: a client in a network outside the ISP, using the public resolver.

    Without rules every fetch succeeds.
    """
    world = new_world(seed)
    add_isp(
        world,
        "movinet",
        ["198.18.0.0/16", "2001:db8:18::/48"],
        resolver_address="198.18.255.53",
        blockpage_address="198.18.255.80",
        asn=64500,
    )
    cdn = add_cdn(
        world,
        "nimbus",
        ["203.0.113.0/24", "2001:db8:cd::/48"],
        [
            ["203.0.113.10", "2001:db8:cd::10"],
            ["203.0.113.11", "2001:db8:cd::11"],
            ["203.0.113.12", "2001:db8:cd::12"],
        ],
        asn=64501,
    )
    cdn.add_site(
        Site(
            "futbol-stream.example",
            "Fútbol Stream: every match live, free",
            "Tonight's match, streamed without a licence.",
            infringing=True,
            category="infringing",
        ),
        edges=(0, 1),
    )
    cdn.add_site(Site("bakery.example", "La Espiga bakery", "Fresh bread every morning."), (0,))
    cdn.add_site(
        Site(
            "pay.example", "PayFast checkout", "Card payments for small shops.", category="payments"
        ),
        (0, 1),
    )
    cdn.add_site(
        Site(
            "school.example", "Riverside Primary School", "Homework, timetables and the lunch menu."
        ),
        (1,),
    )
    cdn.add_site(Site("news.example", "The Daily Example", "Today's news."), (2,))
    hosting = add_hosting(world, "hostco", ["192.0.2.128/25"], asn=64502)
    hosting.add_site(
        Site(
            "blog.example",
            "A blog about bread",
            "Sourdough, rye and spelt, on a server of its own.",
        ),
        ["192.0.2.140"],
    )
    add_resolver(
        world,
        "openresolve",
        ["198.51.100.0/24"],
        "198.51.100.53",
        doh_name="dns.resolver.example",
        asn=64503,
    )
    world.add_network(
        "lab", "control", ["198.19.0.0/24"], latency=0.010, access_latency=0.001, asn=64504
    )
    world.control = world.client("control", "lab", resolver="198.51.100.53")
    world.cdn = cdn
    world.hosting = hosting
    world.public_resolver = world.host("openresolve-resolver")
    return world

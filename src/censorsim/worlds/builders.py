"""Builders that put the parts of a scenario into a world (the scenario layer).

``new_world(seed)`` makes an empty world: a transit router that networks join, and an
infrastructure network with the authoritative DNS server. The builders add the rest:
:func:`add_isp` (subscribers, a censor engine, a resolver, a block-page server),
:func:`add_cdn` (a few shared edge addresses serving many sites), :func:`add_hosting`
(a server and an address per site), :func:`add_resolver` (a public resolver, with DNS
over HTTPS), and ``world.add_gateway`` (a national gateway in front of ISPs). Labs use
them to build worlds whose censors the student cannot read.

Names and addresses are fictional: names end in ``.example`` (RFC 2606) and addresses
come from the documentation and benchmarking ranges (RFC 5737, RFC 3849, RFC 2544),
which here play the part of public address space.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from censorsim.core.net import Host, Network
from censorsim.protocols.dns import AuthoritativeServer, RecursiveResolver, doh_handler
from censorsim.protocols.proxy import RelayProxy
from censorsim.protocols.web import Site, WebServer
from censorsim.wire.ech import ech_config_for, ech_config_list
from censorsim.worlds.world import DEFAULT_EPOCH, World

__all__ = [
    "new_world",
    "add_isp",
    "add_cdn",
    "add_hosting",
    "add_resolver",
    "publish",
    "CDN",
    "Hosting",
]

#: The backbone's addresses (a benchmarking range, RFC 2544, and IPv6 documentation space).
TRANSIT_PREFIXES = ("198.19.255.0/24", "2001:db8:ff::/48")


def new_world(seed: int = 0, *, epoch: float = DEFAULT_EPOCH, authoritative="192.0.2.53") -> World:
    """An empty world: a transit router, and the authoritative DNS server in an
    infrastructure network.

    ``epoch`` (POSIX seconds) is the wall-clock moment virtual time 0 stands for; the
    default is Saturday 7 March 2026, 20:00 UTC.
    """
    world = World(seed=seed, epoch=epoch)
    transit = world.add_network("transit", "transit", TRANSIT_PREFIXES, latency=0.0, upstream=None)
    world.transit = transit.router
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
    blockpage_address: str | Sequence[str] | None = None,
    blockpage_name: str | None = None,
    latency: float = 0.008,
    access_latency: float = 0.004,
    asn: int | None = None,
) -> Network:
    """An ISP: subscribers, a censor engine, its own resolver, and a block-page server.

    The resolver consults the censor engine's resolver rules before answering.
    ``blockpage_address`` is one address or a list (IPv4 and IPv6) for the block-page
    server, which ``BlockpageOnQName`` and ``BlockpageOnIP`` send users to.
    """
    isp = world.add_network(
        name, "isp", prefixes, latency=latency, access_latency=access_latency, asn=asn
    )
    host = world.add_host(f"{name}-resolver", isp, [resolver_address])
    resolver = RecursiveResolver(
        host, world.authoritative.address, policy=isp.censor.resolver_decision
    )
    isp.resolver = host
    host.resolver = resolver
    if blockpage_address is not None:
        page_name = blockpage_name or f"blocked.{name}.example"
        bp_addresses = (
            [blockpage_address] if isinstance(blockpage_address, str) else list(blockpage_address)
        )
        bp = world.add_host(f"{name}-blockpage", isp, bp_addresses)
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
            ca=world.ca,
            sites={page_name: notice},
            catch_all=notice,
            server_header=f"{name}-blockpage",
        )
        world.zone.add(page_name, bp.addresses, ttl=3600)
        isp.censor.blockpage_addresses = bp.addresses
        isp.blockpage = bp
    if world.isp is None:
        world.isp = isp
    return isp


def publish(world: World, site: Site, addresses, ttl: int = 300) -> None:
    """Put a site in DNS and in the world's list of sites (the one place that does)."""
    world.zone.add(site.name, addresses, ttl=ttl)
    world.site_index[site.name] = site


class CDN:
    """A CDN: a few edge addresses that serve every customer site (lesson 03).

    With ``ech_public_name`` (``add_cdn``) the CDN offers Encrypted Client Hello, as
    Cloudflare has by default since 2023 (blog.cloudflare.com/announcing-encrypted-client-hello):
    every site it serves gets an HTTPS record with the CDN's ECH configuration, whose
    public name (Cloudflare's is ``cloudflare-ech.com``) is what a censor reads in the
    outer ClientHello of every ECH connection to any of its sites.
    """

    def __init__(
        self,
        world: World,
        network: Network,
        edges: list[Host],
        servers: list[WebServer],
        ech: tuple | None = None,
        http3: bool = False,
    ):
        self.world, self.network, self.edges, self.servers = world, network, edges, servers
        self.ech = ech  # (ECHConfig, private key) or None
        self.http3 = http3  # the edges speak HTTP/3 over QUIC (UDP 443)

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
        publish(self.world, site, [a for h in chosen for a in h.addresses], ttl)
        if self.ech is not None or self.http3:
            alpn = ("h3", "http/1.1") if self.http3 else ("http/1.1",)
            ech = ech_config_list(self.ech[0]) if self.ech is not None else None
            self.world.zone.add_https(site.name, alpn=alpn, ech=ech, ttl=ttl)
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
    ech_public_name: str | None = None,
    http3: bool = False,
) -> CDN:
    """A CDN network with one edge host per entry of ``edge_addresses``; with
    ``ech_public_name``, one that offers Encrypted Client Hello (see :class:`CDN`); with
    ``http3``, one whose edges also speak HTTP/3 over QUIC, said in its sites' HTTPS
    records (``alpn="h3,http/1.1"``)."""
    net = world.add_network(name, "cdn", prefixes, latency=latency, access_latency=0.0003, asn=asn)
    ech = ech_config_for(ech_public_name, world.seed) if ech_public_name else None
    ech_keys = {ech[0].config_id: ech} if ech else None
    edges, servers = [], []
    for i, addresses in enumerate(edge_addresses, start=1):
        edge = world.add_host(f"{name}-edge-{i}", net, addresses)
        servers.append(
            WebServer(
                edge,
                (f"edge-{i}.{name}.example",),
                ca=world.ca,
                allow_fronting=allow_fronting,
                server_header=name,
                headers={"X-Cache": f"HIT from {name}", "Alt-Svc": "clear"},
                ech_keys=ech_keys,
                http3=http3,
            )
        )
        edges.append(edge)
    cdn = CDN(world, net, edges, servers, ech, http3)
    if ech_public_name:  # the public name is a name of the CDN's own (not a customer's)
        for server in servers:
            server.add_site(Site(ech_public_name, f"{name}: encrypted client hello"))
        world.zone.add(ech_public_name, edges[0].addresses, ttl=3600)
    return cdn


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
        WebServer(
            host,
            (site.name,),
            ca=self.world.ca,
            sites={site.name: site},
            server_header="Apache",
            headers={"X-Powered-By": self.network.name},
        )
        publish(self.world, site, host.addresses, ttl)
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
    policy = net.censor.resolver_decision if net.censor is not None else None
    resolver = RecursiveResolver(host, world.authoritative.address, policy=policy)
    host.resolver = resolver
    if doh_name is not None:
        WebServer(
            host,
            (doh_name,),
            ca=world.ca,
            handlers={"/dns-query": doh_handler(resolver)},
            http=False,
            server_header=name,
        )
        world.zone.add(doh_name, host.addresses, ttl=3600)
    return host


def add_proxy(
    world: World,
    name: str,
    network: Network | str,
    address: str | None = None,
    *,
    resolver: str | None = None,
) -> RelayProxy:
    """A relaying (transparent) proxy, host ``name`` in ``network``, on ports 80 and 443.

    Send traffic to it with DNS (``cs.SpoofDNSOnQName(names, address=<proxy>)``) or with
    destination NAT (``cs.BlockpageOnIP(addresses, address=<proxy>)``); it relays each
    connection to the site its Host header or SNI names, looked up through ``resolver``
    (its network's resolver by default). See :mod:`censorsim.protocols.proxy`.
    """
    net = world.network(network) if isinstance(network, str) else network
    host = world.add_host(name, net, None if address is None else [address])
    return RelayProxy(host, resolver=resolver)

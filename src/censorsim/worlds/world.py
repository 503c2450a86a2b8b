"""A world: an internet with the things a scenario puts in it (the scenario layer).

Theory of operation
-------------------
:class:`World` is a :class:`~censorsim.core.net.Internet` (networks, routers, links,
hosts, the clock) together with what a story needs: the DNS zone of the whole world, the
certificate authority every client trusts, the web sites and their index, the clients
created so far, and named roles (``world.isp`` and ``world.isps``, ``world.cdn``,
``world.hosting``, ``world.public_resolver``, ``world.control``...). The builders of
:mod:`censorsim.worlds.builders` fill it in.

Networks join a backbone: :meth:`World.add_network` links each new network's border
router to the transit router (``world.transit``), over a link as long as the network's
``latency``, unless told otherwise (``upstream=``). A national gateway
(:meth:`World.add_gateway`) can be put between several ISPs and the transit router,
and a censor placed there sees all of their traffic; a censor can also be placed on one
subscriber's access link (:meth:`World.place_censor`).

Every host gets a TCP stack, so a SYN to a port nobody listens on is answered with a RST.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from censorsim.censors.engine import CensorEngine
from censorsim.client import Client
from censorsim.core.net import Host, Internet, Network, Router, _akey
from censorsim.observe.trace import Recording
from censorsim.protocols.dns import Zone
from censorsim.protocols.tcp import TCPStack
from censorsim.protocols.tls import CertificateAuthority
from censorsim.protocols.web import Site
from censorsim.wire import IPAddress

__all__ = ["World", "DEFAULT_EPOCH"]

#: Saturday 7 March 2026, 20:00 UTC: the moment virtual time 0 stands for by default.
DEFAULT_EPOCH = 1_772_913_600.0


class World(Internet):
    """A whole simulated internet with its zone, CA, sites, clients and roles.

    Build one with :mod:`censorsim.worlds` (``football_night``, or ``new_world`` and the
    builders). ``epoch`` is the POSIX time that virtual time 0 stands for (pcap
    timestamps, HTTP dates, certificate validity).
    """

    def __init__(self, seed: int = 0, epoch: float = DEFAULT_EPOCH):
        super().__init__(seed=seed, epoch=epoch)
        self.ca = CertificateAuthority(seed)
        self.zone = Zone()
        self.site_index: dict[str, Site] = {}  # name -> Site, for every web site built
        self._clients: dict[str, Client] = {}
        self.isp: Network | None = None  # where world.client() puts new subscribers
        self.transit: Router | None = None  # the backbone new networks join
        self.control: Client | None = None  # a vantage point outside every censor
        self.authoritative: Host | None = None
        self.cdn: Any = None
        self.hosting: Any = None
        self.public_resolver: Host | None = None

    def __repr__(self) -> str:
        return (
            f"<World seed={self.seed}: {len(self.networks)} networks, {len(self.hosts)} hosts, "
            f"t={self.now:.3f} s>"
        )

    @property
    def isps(self) -> list[Network]:
        """Every ISP network, in the order they were added (``world.isp`` is the first)."""
        return [n for n in self.networks.values() if n.kind == "isp"]

    # -- building ------------------------------------------------------------------------
    def add_network(
        self,
        name: str,
        kind: str,
        prefixes: Iterable[str] = (),
        *,
        latency: float = 0.010,
        access_latency: float = 0.001,
        asn: int | None = None,
        censor: bool | None = None,
        upstream: Router | Network | str | None = "transit",
    ) -> Network:
        """Add a network, linked to ``upstream`` (the transit router, by default).

        ISPs, and networks added with ``censor=True``, get a censor engine at their border
        (empty: it passes everything) as ``network.censor``.
        """
        net = super().add_network(
            name, kind, prefixes, latency=latency, access_latency=access_latency, asn=asn
        )
        if censor if censor is not None else kind == "isp":
            net.censor = CensorEngine(name)
        if upstream is not None and not (
            isinstance(upstream, str) and upstream not in self.routers
        ):
            self.connect(net, upstream, latency)
        return net

    def add_host(
        self,
        name: str,
        network: Network | str,
        addresses: Iterable[str | IPAddress] | None = None,
    ) -> Host:
        """Add a host with a TCP stack (see :meth:`Internet.add_host`)."""
        host = super().add_host(name, network, addresses)
        TCPStack.of(host)
        return host

    def add_gateway(
        self,
        name: str,
        isps: Iterable[Network | str],
        prefixes: Iterable[str] = (),
        *,
        latency: float = 0.003,
        asn: int | None = None,
        censor: bool = True,
    ) -> Network:
        """A national gateway between ``isps`` and the transit router, with a censor.

        Each ISP's link to the transit router is replaced by a link to the gateway, and
        the gateway joins the transit router: every packet those ISPs exchange with the
        rest of the world crosses it. The censor (``gateway.censor``) sits on the
        gateway's international link, the way a national firewall filters the links to
        foreign networks: in a traceroute the gateway itself still answers, and probes
        meet the censor one hop further.
        """
        gateway = self.add_network(
            name, "gateway", prefixes, latency=latency, asn=asn, censor=False, upstream="transit"
        )
        if censor:
            uplink = self.link_between(gateway.router, "transit")
            uplink.attach(CensorEngine(name), owner=gateway.router, inside=gateway.router)
        for isp in isps:
            net = self.networks[isp] if isinstance(isp, str) else isp
            if self.transit is not None:
                try:
                    self.disconnect(net, self.transit)
                except ValueError:
                    pass  # this ISP was not linked to transit directly
            self.connect(net, gateway, net.latency)
        return gateway

    def place_censor(self, engine: CensorEngine, *, client: str) -> CensorEngine:
        """Put ``engine`` on the access link of host ``client`` (acting at its router):
        a censor that sees that subscriber's packets only."""
        host = self.host(client)
        host.link.attach(engine, owner=host.router, inside=host)
        return engine

    # -- sites -----------------------------------------------------------------------------
    @property
    def sites(self) -> tuple[str, ...]:
        """The host names of the world's web sites."""
        return tuple(self.site_index)

    def site(self, name: str) -> Site:
        """The :class:`~censorsim.protocols.web.Site` called ``name`` (title, whether it
        infringes...)."""
        try:
            return self.site_index[name]
        except KeyError:
            raise KeyError(f"no site named {name!r}; sites are {sorted(self.site_index)}") from None

    # -- clients ---------------------------------------------------------------------------
    def client(self, name: str, network: Network | str | None = None, **options) -> Client:
        """The client called ``name``, created on first use as a subscriber of ``network``.

        ``network`` defaults to the world's ISP. Options (``resolver``, ``ip_version``,
        ``timeouts``, ``split_hello``...) go to :class:`~censorsim.client.Client` on
        creation. A client gets an IPv4 address, and an IPv6 one where its network has
        IPv6.
        """
        existing = self._clients.get(name)
        if existing is not None:
            if network is not None or options:
                raise ValueError(f"client {name!r} exists already; options apply on creation only")
            return existing
        if not isinstance(name, str) or not name:
            raise ValueError(f"client name {name!r}: expected a non-empty str")
        net = (
            self.isp
            if network is None
            else (self.network(network) if isinstance(network, str) else network)
        )
        if net is None:
            raise ValueError("this world has no ISP: say which network the client joins")
        if name in self.hosts or name in self.networks:
            raise ValueError(f"{name!r} is already the name of a host or a network, not a client")
        own = getattr(net, "resolver", None)
        if "resolver" not in options and own is None:
            raise ValueError(f"network {net.name!r} has no resolver: pass resolver=<address>")
        addresses = []
        if any(p.version == 4 for p in net.prefixes):
            addresses.append(net.next_address(4))
        if any(p.version == 6 for p in net.prefixes):
            addresses.append(net.next_address(6))
        host = self.add_host(name, net, addresses or None)
        try:
            client = Client(
                host,
                ca=self.ca,
                system_resolver=own.address if own is not None else None,
                **options,
            )
        except Exception:
            self._remove_host(host)
            raise
        self._clients[name] = client
        return client

    def _remove_host(self, host: Host) -> None:
        """Undo add_host (a client whose options were refused leaves nothing behind)."""
        del self.hosts[host.name]
        host.network.hosts.remove(host)
        host.router.links.remove(host.link)
        self.links.remove(host.link)
        for a in host.addresses:
            self._by_address.pop(a, None)
            self._host_keys.pop(_akey(a), None)
            self._taken.discard(a)
        host.network._allocators.clear()
        self._routes_changed()

    def recording(self, origin: str | None = None) -> Recording:
        """``with world.recording() as rec: ...`` records every event (``rec.trace``)."""
        return Recording(self, origin)

    @property
    def clients(self) -> dict[str, Client]:
        """The clients created so far, by name."""
        return dict(self._clients)

    def address_of(self, name: str) -> tuple[IPAddress, ...]:
        """The addresses of host ``name``."""
        return self.host(name).addresses


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True

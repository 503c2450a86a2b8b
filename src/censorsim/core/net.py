"""The simulated internet: networks, routers, hosts and links, moving packets in virtual time.

Theory of operation
-------------------
An :class:`Internet` is a graph. Its nodes are **routers** and **hosts**; its edges are
**links**, each with a latency. A **network** (an autonomous system: an ISP, a CDN, a
hosting company, a transit provider, a national gateway) owns address prefixes, one
border router named after the network, and the hosts attached to that router by access
links. Routers of different networks are joined by links; how they are joined (a star
around a transit provider, a national gateway in front of several ISPs) is the
scenario's choice, made in :mod:`censorsim.worlds`.

A packet leaves a host, crosses its access link to its router, and goes from router to
router along the path of least total latency (ties broken by fewer hops, then by name,
so that routes never depend on the order things were built in) to the router the
destination host hangs off, which delivers it. Routers do what RFC 1812 asks of them:
each decrements the TTL (IPv6: the hop limit) of the packets it forwards, and a packet
whose TTL runs out is discarded with an ICMP *time exceeded* sent to its source, quoting
it. That is what traceroute reads. A destination address that no network announces, or
that its network has no host for, is lost at the router that finds no way on
(``no-route``), without an ICMP answer (many networks send none).

Middleboxes (censors) sit in the path and decide, but never act: ``inspect(packet, now,
direction)`` returns a :class:`Verdict` and the router carries it out (forward, drop,
delay, inject packets). A middlebox can sit

* at a network's border (``network.censor``): it sees every packet that enters or leaves
  the network, as an ISP's DPI or a national gateway's does;
* on one link (``link.attach(censor, owner=router, inside=node)``): on a subscriber's
  access link, say, where it sees that subscriber's packets and nobody else's.

Each is consulted where a box on the wire would act: on a packet's way in before the
router decrements its TTL, on its way out after. So a censor's position shows in a
traceroute as the TTL from which probes meet it instead of the next router.

Observers watch without being noticed: every packet at every node produces one event,
``(time, hop, kind, packet, verdict, note, uid, ttl)``, handed to the observers of the link
concerned and of the whole internet (``internet.observe``): ``send`` where a host emits a
packet, ``forward``/``drop``/``no-route``/``ttl-exceeded`` where a router meets it,
``inject`` where a middlebox makes one up, ``deliver`` where it arrives. ``uid`` is a
per-packet id given when a packet is sent or injected, which follows it while routers
rewrite its TTL; ``ttl`` is its TTL at that hop. Addresses in 127.0.0.0/8 and ``::1``,
and a host's own addresses, are delivered inside the host.

Routers do not copy a packet to lower its TTL: the TTL travels beside it, and a trace
event (or an ICMP quote) shows the packet with the TTL it had at that hop. A host's
handlers get the packet object as the sender made it.

The internet knows no protocol above IP: hosts hand packets to handlers that protocol
modules register (:meth:`Host.set_handler`, :meth:`Host.bind_udp`), and answer UDP to a
port nobody listens on with ICMP port unreachable, as RFC 1122 asks.
"""

from __future__ import annotations

import heapq
import ipaddress
import random
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from censorsim.core.clock import Loop, check_seconds
from censorsim.wire.ip import IPAddress, Packet, icmp_error

__all__ = [
    "Internet",
    "Network",
    "Router",
    "Host",
    "Link",
    "Verdict",
    "Middlebox",
    "NETWORK_KINDS",
    "HopEvent",
]

NETWORK_KINDS = (
    "isp",
    "cdn",
    "hosting",
    "resolver",
    "control",
    "infrastructure",
    "transit",
    "gateway",
)
_LOOPBACK4 = ipaddress.ip_network("127.0.0.0/8")
_LOOPBACK6 = ipaddress.ip_address("::1")
_ADDRESS_TYPES = (ipaddress.IPv4Address, ipaddress.IPv6Address)
_V4 = ipaddress.IPv4Address
_V6_KEY = 1 << 128


def _akey(address: IPAddress) -> int:
    """An address as one int (IPv6 above every IPv4): hashing an ``ipaddress`` object runs
    Python code, and the routers look addresses up for every packet at every hop."""
    return address._ip if type(address) is _V4 else address._ip | _V6_KEY


def _is_loopback_key(key: int) -> bool:
    return key >> 24 == 127 if key < _V6_KEY else key == _V6_KEY | 1


#: One event: (time, hop, kind, packet, verdict, note, uid, ttl)
HopEvent = tuple


@dataclass(frozen=True, slots=True)
class Verdict:
    """A middlebox's decision about one packet; the router carries it out.

    ``action`` names what happens (``"pass"``, ``"drop"``, ``"reset"``, ``"spoof"``,
    ``"throttle"``, ``"blockpage"``, ``"malformed"``...); ``forward`` says whether the
    packet itself goes on; ``inject`` holds packets the middlebox sends (forged answers,
    resets); ``delay`` is extra seconds before forwarding (throttling); ``rule`` and
    ``reason`` say who decided and why, in words a student can read. ``keep`` asks the
    censor to apply the same decision to the rest of the flow; ``remembered`` marks a
    decision applied from that memory; ``rate`` is a throttle's bits per second.
    ``redirect`` sends the packet to another address instead (destination NAT, as ISPs
    that show a block page for a blocked address do); the router rewrites the answers'
    source back, so the client believes it talks to the address it asked for.
    """

    action: str
    forward: bool
    inject: tuple[Packet, ...] = ()
    delay: float = 0.0
    rule: str = ""
    reason: str = ""
    remembered: bool = False
    rate: float | None = None
    keep: bool = False
    redirect: IPAddress | None = None

    def __repr__(self) -> str:
        extra = f", inject={len(self.inject)}" if self.inject else ""
        extra += f", redirect={self.redirect}" if self.redirect is not None else ""
        extra += f", delay={self.delay:.4f}" if self.delay else ""
        return (
            f"Verdict({self.action!r}, forward={self.forward}{extra}, rule={self.rule!r}, "
            f"reason={self.reason!r})"
        )


class Middlebox(Protocol):
    """What the network asks of a censor: a name, and a decision per packet."""

    name: str

    def inspect(self, packet: Packet, now: float, direction: str) -> Verdict | None: ...


def _rng(seed: object, label: str) -> random.Random:
    # str seeds are hashed with SHA-512 by random.seed: stable across runs and platforms
    return random.Random(f"censorsim:{seed}:{label}")


class Link:
    """A link between two nodes, with a latency, optional middlebox and observers."""

    __slots__ = ("a", "b", "latency", "censor", "owner", "inside", "observers")

    def __init__(self, a: Router | Host, b: Router | Host, latency: float):
        self.a, self.b = a, b
        self.latency = check_seconds(latency, "latency")
        self.censor: Middlebox | None = None
        self.owner: Router | None = None  # the router at which the middlebox acts
        self.inside: Router | Host | None = None  # the end the censor protects ("out" from it)
        self.observers: list[Callable[[HopEvent], None]] = []

    def __repr__(self) -> str:
        censor = f", censor {self.censor.name} at {self.owner.name}" if self.censor else ""
        return f"<Link {self.a.name} -- {self.b.name} {self.latency * 1000:g} ms{censor}>"

    def other(self, node: Router | Host) -> Router | Host:
        return self.b if node is self.a else self.a

    def attach(self, censor: Middlebox, *, owner: Router, inside: Router | Host) -> None:
        """Put ``censor`` in the path on this link, acting at ``owner`` (one of its ends).

        Packets travelling away from ``inside`` are ``"out"``, towards it ``"in"``.
        """
        if owner not in (self.a, self.b) or not isinstance(owner, Router):
            raise ValueError(f"owner {owner!r} is not a router at an end of {self!r}")
        if inside not in (self.a, self.b):
            raise ValueError(f"inside {inside!r} is not an end of {self!r}")
        self.censor, self.owner, self.inside = censor, owner, inside

    def detach(self) -> None:
        self.censor = self.owner = self.inside = None


class Router:
    """A router: forwards packets, decrements TTLs, sends ICMP time exceeded."""

    def __init__(self, internet: Internet, name: str, network: Network):
        self.internet = internet
        self.name = name
        self.network = network
        self.addresses: tuple[IPAddress, ...] = ()  # the source of its ICMP messages
        self.links: list[Link] = []
        self.censor: Middlebox | None = None  # acts at the network's border
        self._routes: dict[int, Any] = {}  # address key -> the link out (a cache)
        # destination NAT done for a middlebox's redirect: the answers' key -> the address
        # the client asked for, so that their source is rewritten back
        self.nat: dict[tuple, IPAddress] = {}

    def __repr__(self) -> str:
        censor = f", censor {self.censor.name}" if self.censor else ""
        return f"<Router {self.name} ({len(self.links)} links{censor})>"

    def address_for(self, version: int) -> IPAddress | None:
        for a in self.addresses:
            if a.version == version:
                return a
        return None


class Network:
    """A network (an autonomous system) with address prefixes and a border router."""

    def __init__(
        self,
        internet: Internet,
        name: str,
        kind: str,
        prefixes: Iterable[str],
        latency: float,
        access_latency: float,
        asn: int | None,
    ):
        self.internet = internet
        self.name = name
        self.kind = kind
        self.prefixes = tuple(ipaddress.ip_network(p) for p in prefixes)
        self.latency = check_seconds(latency, "latency")
        self.access_latency = check_seconds(access_latency, "access_latency")
        if asn is not None and (isinstance(asn, bool) or not isinstance(asn, int)):
            raise TypeError(f"asn={asn!r}: expected an integer AS number or None")
        if asn is not None and not 0 < asn < 2**32:
            raise ValueError(f"asn={asn!r}: expected an AS number from 1 to 4294967295")
        self.asn = asn
        self.hosts: list[Host] = []
        self.router = Router(internet, name, self)
        self._allocators: dict[int, Iterable[IPAddress]] = {}

    def __repr__(self) -> str:
        return f"<Network {self.name} ({self.kind}), {len(self.hosts)} hosts>"

    @property
    def censor(self) -> Middlebox | None:
        """The middlebox at this network's border, or else the one on a link its router
        owns (a gateway's uplink); None when there is none."""
        if self.router.censor is not None:
            return self.router.censor
        for link in self.router.links:
            if link.censor is not None and link.owner is self.router:
                return link.censor
        return None

    @censor.setter
    def censor(self, value: Middlebox | None) -> None:
        self.router.censor = value

    def next_address(self, version: int = 4) -> IPAddress:
        """The next unused address in this network's prefixes of that IP version."""
        if version not in (4, 6):
            raise ValueError(f"version={version!r}: expected 4 or 6")
        if version not in self._allocators:
            nets = [n for n in self.prefixes if n.version == version]
            self._allocators[version] = (a for n in nets for a in n.hosts())
        used = self.internet._taken
        for address in self._allocators[version]:
            if address not in used:
                return address
        raise ValueError(f"network {self.name!r} has no free IPv{version} address left")

    def owns(self, address: IPAddress) -> bool:
        return any(address.version == p.version and address in p for p in self.prefixes)


class Host:
    """A machine with addresses on an access link to its network's router."""

    def __init__(
        self,
        internet: Internet,
        name: str,
        network: Network,
        addresses: tuple[IPAddress, ...],
        router: Router,
        latency: float,
    ):
        self.internet = internet
        self.name = name
        self.network = network
        self.addresses = addresses
        self._keys = frozenset(_akey(a) for a in addresses)
        self.router = router
        self.link = Link(self, router, latency)
        rng = internet.rng(f"host:{name}")
        self._next_port = rng.randrange(49152, 60000)
        self._ident = rng.randrange(0, 65536)
        self._udp: dict[int, Callable[[Packet], None]] = {}
        self._handlers: dict[str, Callable[[Packet], None]] = {}
        self._taps: list[Callable[[Packet], bool]] = []
        self._current_uid: int | None = None
        self.layers: dict[str, Any] = {}  # per-host state of protocol modules (a TCP stack)
        self.services: list[str] = []  # what runs here, for display

    def __repr__(self) -> str:
        return f"<Host {self.name} {', '.join(map(str, self.addresses))} in {self.network.name}>"

    @property
    def address(self) -> IPAddress:
        """The host's first address."""
        return self.addresses[0]

    def address_for(self, destination: IPAddress) -> IPAddress:
        """The source address this host uses to reach ``destination``."""
        if destination in _LOOPBACK4 or destination == _LOOPBACK6:
            return destination if destination.version == 6 else ipaddress.ip_address("127.0.0.1")
        for a in self.addresses:
            if a.version == destination.version:
                return a
        raise OSError(f"{self.name} has no IPv{destination.version} address to reach {destination}")

    def next_ident(self) -> int:
        self._ident = (self._ident + 1) & 0xFFFF
        return self._ident

    def ephemeral_port(self) -> int:
        port = self._next_port
        self._next_port = 49152 if port >= 65535 else port + 1
        return port

    # -- sending and receiving -----------------------------------------------------------
    def send(self, packet: Packet, verdict: Verdict | None = None) -> int:
        """Put a packet on the wire; returns its uid. ``verdict`` marks an answer that a
        resolver's policy forged (shown in traces)."""
        return self.internet._transmit(self, packet, verdict)

    def note_drop(self, packet: Packet, verdict: Verdict | None, note: str = "") -> None:
        """Record that this host threw away the packet it is handling (a resolver told to
        ignore a name): the trace shows the packet dropped here."""
        self.internet._emit(
            self.name, "drop", packet, verdict, note, self._current_uid, packet.ttl, self.link
        )

    def set_handler(self, proto: str, handler: Callable[[Packet], None] | None) -> None:
        """Who receives this host's ``"tcp"`` or ``"icmp"`` packets (a protocol stack)."""
        if handler is None:
            self._handlers.pop(proto, None)
        else:
            self._handlers[proto] = handler

    def handler(self, proto: str) -> Callable[[Packet], None] | None:
        return self._handlers.get(proto)

    def bind_udp(self, port: int, handler: Callable[[Packet], None]) -> None:
        if type(port) is not int or not 1 <= port <= 65535:
            raise ValueError(f"port {port!r} is not a UDP port (1 to 65535)")
        if port in self._udp:
            raise OSError(f"{self.name}: UDP port {port} is already bound")
        self._udp[port] = handler

    def unbind_udp(self, port: int) -> None:
        self._udp.pop(port, None)

    def add_tap(self, tap: Callable[[Packet], bool]) -> None:
        """See every packet delivered here first; a tap that returns True consumes it
        (what a raw socket does: traceroute's probes and their answers)."""
        self._taps.append(tap)

    def remove_tap(self, tap: Callable[[Packet], bool]) -> None:
        if tap in self._taps:
            self._taps.remove(tap)

    def receive(self, packet: Packet) -> None:
        for tap in tuple(self._taps):
            if tap(packet):
                return
        if packet.proto == "udp":
            handler = self._udp.get(packet.dport)
            if handler is not None:
                handler(packet)
            elif packet.dst in self.addresses:
                # RFC 1122 4.1.3.1: nobody listens on that port
                icmp = icmp_error("port-unreachable", packet, packet.dst, ident=self.next_ident())
                self.send(icmp)
            return
        handler = self._handlers.get(packet.proto)
        if handler is not None:
            handler(packet)


class _Recording:
    """Observer that collects events into a list (see :meth:`Internet.observe`)."""

    __slots__ = ("events",)

    def __init__(self) -> None:
        self.events: list[HopEvent] = []

    def __call__(self, event: HopEvent) -> None:
        self.events.append(event)


class Internet:
    """The graph of networks, routers, links and hosts, with its clock and randomness.

    ``seed`` seeds every random stream (:meth:`rng`); ``epoch`` is the POSIX time that
    virtual time 0 stands for (pcap timestamps, HTTP dates, certificate validity).
    """

    #: after a process ends, packets still in flight within this many seconds land too
    DRAIN = 2.0

    def __init__(self, seed: int = 0, epoch: float = 1_767_225_600.0):
        if isinstance(seed, bool) or not isinstance(seed, int | str):
            raise TypeError(f"seed={seed!r}: expected an integer (or a string)")
        if isinstance(epoch, bool) or not isinstance(epoch, int | float):
            raise TypeError(f"epoch={epoch!r}: expected POSIX seconds as a number")
        if not 0 <= epoch < 2**32 - 10**7:
            raise ValueError(
                f"epoch={epoch!r}: expected POSIX seconds between 1970 and 2105 (pcap's range)"
            )
        self.seed = seed
        self.epoch = float(epoch)
        self.loop = Loop()
        self.networks: dict[str, Network] = {}
        self.hosts: dict[str, Host] = {}
        self.routers: dict[str, Router] = {}
        self.links: list[Link] = []
        self._by_address: dict[IPAddress, Host] = {}
        self._router_at: dict[IPAddress, Router] = {}
        self._taken: set[IPAddress] = set()
        self._rngs: dict[str, random.Random] = {}
        self._observers: list[Callable[[HopEvent], None]] = []
        self._uid = 0
        self._next_hop: dict[tuple[str, str], Link | None] = {}
        self._host_keys: dict[int, Host] = {}
        self._router_keys: dict[int, Router] = {}

    def __repr__(self) -> str:
        return (
            f"<Internet seed={self.seed}: {len(self.networks)} networks, {len(self.hosts)} "
            f"hosts, t={self.now:.3f} s>"
        )

    # -- randomness ------------------------------------------------------------------------
    def rng(self, label: str) -> random.Random:
        """The random stream called ``label``, seeded from the internet's seed (the same
        object on every call, so draws continue where they left off)."""
        stream = self._rngs.get(label)
        if stream is None:
            stream = self._rngs[label] = _rng(self.seed, label)
        return stream

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
    ) -> Network:
        """Add a network and its border router (named after it), not yet linked to any."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"network name {name!r}: expected a non-empty str")
        if name in self.networks or name in self.hosts:
            raise ValueError(f"{name!r} is already the name of a network or a host")
        if kind not in NETWORK_KINDS:
            raise ValueError(f"network kind {kind!r} is not one of {NETWORK_KINDS}")
        if isinstance(prefixes, str):
            raise ValueError(f"prefixes must be a list, got the single string {prefixes!r}")
        try:
            net = Network(self, name, kind, prefixes, latency, access_latency, asn)
        except ValueError as exc:
            raise ValueError(f"network {name!r}: {exc}") from None
        for other in self.networks.values():
            for p in net.prefixes:
                for q in other.prefixes:
                    if p.version == q.version and p.overlaps(q):
                        raise ValueError(f"prefix {p} of {name!r} overlaps {q} of {other.name!r}")
        router_addresses = []
        for version in (4, 6):
            prefix = next((p for p in net.prefixes if p.version == version), None)
            if prefix is not None and prefix.num_addresses >= 4:
                # routers take the top of the prefix; hosts are numbered from the bottom
                top = (
                    prefix.broadcast_address - 1
                    if version == 4
                    else prefix.network_address + 0xFFFE
                )
                router_addresses.append(top if top in prefix else prefix.broadcast_address - 1)
        net.router.addresses = tuple(router_addresses)
        for a in router_addresses:
            self._router_at[a] = net.router
            self._router_keys[_akey(a)] = net.router
            self._taken.add(a)
        self.networks[name] = net
        self.routers[name] = net.router
        self._routes_changed()
        return net

    def _routes_changed(self) -> None:
        """Forget every computed route (the topology or the set of hosts changed)."""
        self._next_hop.clear()
        for router in self.routers.values():
            router._routes.clear()

    def connect(self, a: Router | Network | str, b: Router | Network | str, latency: float) -> Link:
        """Join two routers (or the border routers of two networks) by a link."""
        ra, rb = self._as_router(a), self._as_router(b)
        if ra is rb:
            raise ValueError(f"cannot link router {ra.name!r} to itself")
        for link in ra.links:
            if link.other(ra) is rb:
                raise ValueError(f"routers {ra.name!r} and {rb.name!r} are already linked")
        link = Link(ra, rb, latency)
        ra.links.append(link)
        rb.links.append(link)
        self.links.append(link)
        self._routes_changed()
        return link

    def disconnect(self, a: Router | Network | str, b: Router | Network | str) -> None:
        """Remove the link between two routers (to put another network between them)."""
        ra, rb = self._as_router(a), self._as_router(b)
        for link in ra.links:
            if link.other(ra) is rb:
                ra.links.remove(link)
                rb.links.remove(link)
                self.links.remove(link)
                self._routes_changed()
                return
        raise ValueError(f"routers {ra.name!r} and {rb.name!r} are not linked")

    def link_between(self, a: Router | Host | str, b: Router | Host | str) -> Link:
        """The link joining two nodes (a host's access link, or two routers')."""
        na, nb = self._node(a), self._node(b)
        links = na.links if isinstance(na, Router) else [na.link]
        for link in links:
            if link.other(na) is nb:
                return link
        raise ValueError(f"{na.name!r} and {nb.name!r} are not linked")

    def _as_router(self, value: Router | Network | str) -> Router:
        if isinstance(value, Router):
            return value
        if isinstance(value, Network):
            return value.router
        router = self.routers.get(value) if isinstance(value, str) else None
        if router is None:
            raise ValueError(
                f"{value!r} is not a router of this internet; routers are {sorted(self.routers)}"
            )
        return router

    def add_host(
        self,
        name: str,
        network: Network | str,
        addresses: Iterable[str | IPAddress] | None = None,
    ) -> Host:
        """Add a host to ``network`` with the given addresses (or the next free IPv4 one),
        on an access link to the network's router."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"host name {name!r}: expected a non-empty str")
        if name in self.hosts or name in self.networks:
            raise ValueError(f"{name!r} is already the name of a host or a network")
        net = self.network(network) if isinstance(network, str) else network
        if isinstance(addresses, str):
            raise ValueError(f"addresses must be a list, got the single string {addresses!r}")
        if addresses is None:
            addrs = (net.next_address(4),)
        else:
            try:
                addrs = tuple(ipaddress.ip_address(a) for a in addresses)
            except ValueError as exc:
                raise ValueError(f"host {name!r}: {exc}") from None
        if not addrs:
            raise ValueError(f"host {name!r} needs at least one address")
        for a in addrs:
            if a in self._by_address:
                raise ValueError(f"address {a} of {name!r} belongs to {self._by_address[a].name!r}")
            if a in self._router_at:
                raise ValueError(f"address {a} of {name!r} is router {self._router_at[a].name!r}'s")
            if net.prefixes and not net.owns(a):
                raise ValueError(
                    f"address {a} of {name!r} is outside network {net.name!r} "
                    f"({', '.join(map(str, net.prefixes))})"
                )
        host = Host(self, name, net, addrs, net.router, net.access_latency)
        net.router.links.append(host.link)
        self.links.append(host.link)
        self.hosts[name] = host
        net.hosts.append(host)
        for a in addrs:
            self._by_address[a] = host
            self._host_keys[_akey(a)] = host
            self._taken.add(a)
        self._routes_changed()
        return host

    # -- looking things up -----------------------------------------------------------------
    def network(self, name: str) -> Network:
        try:
            return self.networks[name]
        except KeyError:
            raise KeyError(
                f"no network named {name!r}; networks are {sorted(self.networks)}"
            ) from None

    def host(self, name: str) -> Host:
        try:
            return self.hosts[name]
        except KeyError:
            raise KeyError(f"no host named {name!r}; hosts are {sorted(self.hosts)}") from None

    def host_at(self, address: str | IPAddress) -> Host | None:
        """The host that owns ``address``, or None."""
        return self._by_address.get(ipaddress.ip_address(address))

    def router_at(self, address: str | IPAddress) -> Router | None:
        """The router whose address ``address`` is (the source of its ICMP), or None."""
        return self._router_at.get(ipaddress.ip_address(address))

    def network_of(self, address: str | IPAddress) -> Network | None:
        """The network that ``address`` belongs to (its host's, or the longest prefix)."""
        addr = address if type(address) in _ADDRESS_TYPES else ipaddress.ip_address(address)
        host = self._by_address.get(addr)
        if host is not None:
            return host.network
        best, best_len = None, -1
        for net in self.networks.values():
            for p in net.prefixes:
                if p.version == addr.version and addr in p and p.prefixlen > best_len:
                    best, best_len = net, p.prefixlen
        return best

    # -- time ----------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """Virtual seconds since the internet began."""
        return self.loop.now

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of virtual time pass (caches age, timers fire)."""
        seconds = check_seconds(seconds, "seconds")
        self.loop.run(until=self.loop.now + seconds)

    def run(self, generator: Generator, *, context: object = None) -> Any:
        """Run a process to completion, then let in-flight packets land; return its value.

        Late answers and closing handshakes due within :attr:`DRAIN` seconds are part of
        the same run; anything later (a server still retransmitting) stays scheduled and
        happens when virtual time next moves on. ``context`` is what everything the
        process causes runs with (see :mod:`censorsim.core.clock`).
        """
        loop = self.loop
        outer = loop.context
        loop.context = context
        try:
            proc = loop.process(generator)
            loop.run(until=proc)
            loop.drain(loop.now + self.DRAIN)
        finally:
            loop.context = outer
        return proc.value

    # -- observing -------------------------------------------------------------------------
    def observe(self, observer: Callable[[HopEvent], None]) -> None:
        """Call ``observer(event)`` for every event anywhere (see the module's docstring)."""
        self._observers.append(observer)

    def unobserve(self, observer: Callable[[HopEvent], None]) -> None:
        if observer in self._observers:
            self._observers.remove(observer)

    def _emit(self, hop, kind, packet, verdict, note, uid, ttl, link) -> None:
        observers = self._observers
        local = link.observers if link is not None else None
        if observers or local:
            event = (self.loop.now, hop, kind, packet, verdict, note, uid, ttl)
            for observer in observers:
                observer(event)
            if local:
                for observer in local:
                    observer(event)

    # -- moving packets ------------------------------------------------------------------
    def _new_uid(self) -> int:
        self._uid += 1
        return self._uid

    def _transmit(self, host: Host, packet: Packet, verdict: Verdict | None = None) -> int:
        uid = self._new_uid()
        link = host.link
        self._emit(host.name, "send", packet, verdict, "", uid, packet.ttl, link)
        key = _akey(packet.dst)
        if key in host._keys or _is_loopback_key(key):
            self.loop.call_soon(self._deliver, host, None, packet, uid, packet.ttl)
        else:
            self.loop.call_later(
                link.latency, self._at_router, host.router, link, packet, uid, packet.ttl
            )
        return uid

    def _at_router(self, router: Router, in_link: Link, packet: Packet, uid: int, ttl: int) -> None:
        now = self.loop.now
        if router.nat:  # an answer from where a redirect sent the client: undo the rewrite
            key = (packet.proto, packet.dst, packet.dport, packet.src, packet.sport)
            original = router.nat.get(key)
            if original is not None:
                packet = replace(packet, src=original)
        came_from = in_link.other(router)
        verdicts: list[Verdict] = []
        seen: list[Middlebox] = []
        # on the way in: a middlebox on the link we came by, or at the border we crossed
        box = in_link.censor
        if box is not None and in_link.owner is router:
            direction = "out" if came_from is in_link.inside else "in"
            if _ask(box, packet, now, direction, verdicts, seen):
                return self._drop(router, in_link, packet, uid, ttl, verdicts, seen)
        border = router.censor
        if border is not None and border not in seen and _crosses(came_from, router):
            if _ask(border, packet, now, "in", verdicts, seen):
                return self._drop(router, in_link, packet, uid, ttl, verdicts, seen)
        if ttl <= 1 and self._router_keys.get(_akey(packet.dst)) is not router:
            # RFC 1812 5.3.1: discard, and tell the source with ICMP time exceeded
            self._emit(router.name, "ttl-exceeded", packet, _last(verdicts), "", uid, ttl, in_link)
            self._injects(router, verdicts, seen)
            self._icmp(router, "time-exceeded", packet, ttl)
            return
        self._forward(router, packet, uid, ttl - 1, verdicts, seen, in_link)

    def _forward(self, router, packet, uid, ttl, verdicts, seen, in_link) -> None:
        out = self._route(router, packet.dst)
        if out is _HERE:  # addressed to the router itself: it runs no service, so it ends here
            self._emit(router.name, "deliver", packet, _last(verdicts), "", uid, ttl, in_link)
            self._injects(router, verdicts, seen)
            return
        if out is None:
            note = "no host has this address"
            self._emit(router.name, "no-route", packet, _last(verdicts), note, uid, ttl, in_link)
            self._injects(router, verdicts, seen)
            return
        now = self.loop.now
        nxt = out.other(router)
        box = out.censor
        if box is not None and out.owner is router and box not in seen:
            direction = "out" if router is out.inside else "in"
            if _ask(box, packet, now, direction, verdicts, seen):
                return self._drop(router, out, packet, uid, ttl, verdicts, seen)
        border = router.censor
        if border is not None and border not in seen and _crosses(nxt, router):
            if _ask(border, packet, now, "out", verdicts, seen):
                return self._drop(router, out, packet, uid, ttl, verdicts, seen)
        redirect = None
        if verdicts:
            for v in verdicts:
                if v.redirect is not None:
                    redirect = v.redirect
        if redirect is not None and redirect != packet.dst:
            if redirect.version != packet.version:
                return self._drop(router, out, packet, uid, ttl, verdicts, seen)
            key = (packet.proto, packet.src, packet.sport, redirect, packet.dport)
            router.nat[key] = packet.dst
            packet = replace(packet, dst=redirect)
            out = self._route(router, redirect)
            if out is None or out is _HERE:
                note = "the redirect leads nowhere"
                self._emit(
                    router.name, "no-route", packet, _last(verdicts), note, uid, ttl, in_link
                )
                return
            nxt = out.other(router)
        self._emit(router.name, "forward", packet, _last(verdicts), "", uid, ttl, out)
        delay = out.latency
        for v in verdicts:
            delay += v.delay
        self._injects(router, verdicts, seen)
        if type(nxt) is Router:
            self.loop.call_later(delay, self._at_router, nxt, out, packet, uid, ttl)
        else:
            self.loop.call_later(delay, self._deliver, nxt, out, packet, uid, ttl)

    def _drop(self, router, link, packet, uid, ttl, verdicts, seen) -> None:
        self._emit(router.name, "drop", packet, verdicts[-1], "", uid, ttl, link)
        self._injects(router, verdicts, seen)

    def _injects(self, router: Router, verdicts: list[Verdict], seen: list) -> None:
        for v in verdicts:
            for forged in v.inject:
                uid = self._new_uid()
                self._emit(router.name, "inject", forged, v, "", uid, forged.ttl, None)
                # a forgery leaves the boxes that met the packet here: they do not inspect it
                self._forward(router, forged, uid, forged.ttl, [], list(seen), None)

    def _icmp(self, router: Router, kind: str, packet: Packet, ttl: int) -> None:
        source = router.address_for(packet.version)
        if source is None or packet.proto == "icmp" and packet.icmp_kind != "echo-request":
            return  # no address to answer from; never an ICMP error about an ICMP error
        original = packet if packet.ttl == ttl else replace(packet, ttl=ttl)
        icmp = icmp_error(kind, original, source)
        uid = self._new_uid()
        self._emit(router.name, "send", icmp, None, "", uid, icmp.ttl, None)
        self._forward(router, icmp, uid, icmp.ttl, [], [], None)

    def _deliver(self, host: Host, link: Link | None, packet: Packet, uid: int, ttl: int) -> None:
        # The host gets the packet object as it was sent: nothing a host does depends on
        # the TTL it arrived with, and copying every packet costs. Traces (and ICMP
        # quotes) show the TTL as it was at each hop.
        self._emit(host.name, "deliver", packet, None, "", uid, ttl, link)
        host._current_uid = uid
        try:
            host.receive(packet)
        finally:
            host._current_uid = None

    # -- routing -----------------------------------------------------------------------------
    def _route(self, router: Router, dst: IPAddress) -> Link | None:
        key = _akey(dst)
        routes = router._routes
        try:
            return routes[key]
        except KeyError:
            out = routes[key] = self._find_route(router, dst, key)
            return out

    def _find_route(self, router: Router, dst: IPAddress, key: int) -> Link | None:
        host = self._host_keys.get(key)
        if host is not None:
            if host.router is router:
                return host.link
            target = host.router
        else:
            target_router = self._router_keys.get(key)
            if target_router is router:
                return _HERE
            if target_router is None:
                net = self.network_of(dst)
                if net is None or net.router is router:
                    return None  # nobody announces it, or our own prefix with no such host
                target_router = net.router
            target = target_router
        key = (router.name, target.name)
        try:
            return self._next_hop[key]
        except KeyError:
            self._paths_from(router)
            return self._next_hop.get(key)

    def _paths_from(self, source: Router) -> None:
        """Dijkstra over router-to-router links from ``source``: the first link towards
        every router, by least latency, then fewest hops, then names."""
        best: dict[str, tuple[float, int, tuple[str, ...]]] = {source.name: (0.0, 0, ())}
        first: dict[str, Link | None] = {source.name: None}
        heap: list = [(0.0, 0, (), source.name, source, None)]
        done: set[str] = set()
        while heap:
            cost, hops, names, name, router, via = heapq.heappop(heap)
            if name in done:
                continue
            done.add(name)
            first[name] = via
            for link in sorted(router.links, key=lambda lk: lk.other(router).name):
                nxt = link.other(router)
                if type(nxt) is not Router or nxt.name in done:
                    continue
                entry = (round(cost + link.latency, 9), hops + 1, (*names, nxt.name))
                if nxt.name not in best or entry < best[nxt.name]:
                    best[nxt.name] = entry
                    heapq.heappush(heap, (*entry, nxt.name, nxt, via or link))
        for name in self.routers:
            self._next_hop[(source.name, name)] = first.get(name) if name in done else None

    def path(self, a: Router | Host | str, b: Router | Host | str) -> list[str]:
        """The names of the nodes a packet from ``a`` to ``b`` goes through (routing only)."""
        start = self._node(a)
        end = self._node(b)
        target = end.router if isinstance(end, Host) else end
        names = [start.name]
        router = start.router if isinstance(start, Host) else start
        if isinstance(start, Host):
            names.append(router.name)
        seen = set()
        while router is not target:
            if router.name in seen:
                raise RuntimeError(f"routing loop at {router.name}")  # pragma: no cover
            seen.add(router.name)
            key = (router.name, target.name)
            if key not in self._next_hop:
                self._paths_from(router)
            link = self._next_hop.get(key)
            if link is None:
                raise ValueError(f"no path from {start.name!r} to {end.name!r}")
            router = link.other(router)
            names.append(router.name)
        if isinstance(end, Host):
            names.append(end.name)
        return names

    def _node(self, value: Router | Host | str) -> Router | Host:
        if isinstance(value, Router | Host):
            return value
        if value in self.hosts:
            return self.hosts[value]
        if value in self.routers:
            return self.routers[value]
        raise KeyError(f"{value!r} is neither a host nor a router of this internet")


_HERE: Any = object()  # a route that ends at the router itself


def _ask(box, packet, now, direction, verdicts: list, seen: list) -> bool:
    """Consult one middlebox about a packet; True when it stops the packet."""
    seen.append(box)
    verdict = box.inspect(packet, now, direction)
    if verdict is None:
        return False
    verdicts.append(verdict)
    return not verdict.forward


def _crosses(node: Router | Host, router: Router) -> bool:
    """Whether a packet between ``node`` and ``router`` crosses ``router``'s network border."""
    return type(node) is Router and node.network is not router.network


def _last(verdicts: list[Verdict]) -> Verdict | None:
    return verdicts[-1] if verdicts else None

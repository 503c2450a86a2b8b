"""The simulated internet: networks, hosts, routers, links with latency (lessons 00-03).

Theory of operation
-------------------
A :class:`World` holds networks (an ISP, a CDN, hosting, a resolver operator, a control
network outside the censor's reach), and each network holds hosts with addresses. Every
network has one router. A packet from a host goes to its network's router; if it leaves
the network it crosses the internet core to the destination network's router, then to
the destination host::

    alice --(access)--> [isp router + censor] --(core)--> [cdn router] --(access)--> edge

Latencies are per network: ``access_latency`` between a host and its router, ``latency``
between the router and the core. When a packet crosses the border of a network that has
a censor (in either direction) the censor inspects it and returns a verdict; the router
carries the verdict out (forward, drop, delay, inject packets). Censors never send
anything themselves, and never know they are observed.

Every step is recorded for the trace of the fetch under way: ``send`` at the source host,
``forward``/``drop``/``inject``/``no-route`` at routers, ``deliver`` at the destination.
Addresses that no host owns are dropped at the first router (``no-route``); addresses in
127.0.0.0/8 and ::1 are the sending host's own loopback.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING, Any

from censorsim.sim import Loop
from censorsim.tcp import TCPConnection
from censorsim.tls import CertificateAuthority
from censorsim.wire import IPAddress, Packet

if TYPE_CHECKING:
    from censorsim.censors.engine import CensorEngine, Verdict
    from censorsim.client import Client
    from censorsim.web import Site

__all__ = ["World", "Network", "Host", "NETWORK_KINDS"]

NETWORK_KINDS = ("isp", "cdn", "hosting", "resolver", "control", "infrastructure")
_LOOPBACK4 = ipaddress.ip_network("127.0.0.0/8")
_LOOPBACK6 = ipaddress.ip_address("::1")


def _rng(seed: object, label: str) -> random.Random:
    # str seeds are hashed with SHA-512 by random.seed: stable across runs and platforms
    return random.Random(f"censorsim:{seed}:{label}")


class Network:
    """A network (an autonomous system) with a router at its border."""

    def __init__(
        self,
        world: World,
        name: str,
        kind: str,
        prefixes: Iterable[str],
        latency: float,
        access_latency: float,
        asn: int | None,
    ):
        self.world = world
        self.name = name
        self.kind = kind
        self.prefixes = tuple(ipaddress.ip_network(p) for p in prefixes)
        self.latency = latency
        self.access_latency = access_latency
        self.asn = asn
        self.hosts: list[Host] = []
        self.censor: CensorEngine | None = None
        self.resolver: Host | None = None  # the network's own recursive resolver, if any
        self._allocators: dict[int, Iterable[IPAddress]] = {}

    def __repr__(self) -> str:
        return f"<Network {self.name} ({self.kind}), {len(self.hosts)} hosts>"

    def next_address(self, version: int = 4) -> IPAddress:
        """The next unused address in this network's prefixes of that IP version."""
        if version not in self._allocators:
            nets = [n for n in self.prefixes if n.version == version]
            self._allocators[version] = (a for n in nets for a in n.hosts())
        for address in self._allocators[version]:
            if address not in self.world._by_address:
                return address
        raise ValueError(f"network {self.name!r} has no free IPv{version} address left")

    def owns(self, address: IPAddress) -> bool:
        return any(address in p for p in self.prefixes)


class Host:
    """A machine with addresses, UDP ports, TCP listeners and connections."""

    def __init__(self, world: World, name: str, network: Network, addresses: tuple[IPAddress, ...]):
        self.world = world
        self.name = name
        self.network = network
        self.addresses = addresses
        self._udp: dict[int, Callable[[Host, Packet], None]] = {}
        self._listeners: dict[int, Callable[[TCPConnection], None]] = {}
        self._conns: dict[tuple, TCPConnection] = {}
        rng = _rng(world.seed, f"host:{name}")
        self._next_port = rng.randrange(49152, 60000)
        self._ident = rng.randrange(0, 65536)
        self.services: list[str] = []  # what runs here, for display
        self.resolver = None  # a RecursiveResolver running here, if any

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
    def send(self, packet: Packet, verdict: Verdict | None = None) -> None:
        """Put a packet on the wire (``verdict`` marks an answer a resolver policy forged)."""
        self.world._transmit(self, packet, verdict)

    def receive(self, packet: Packet) -> None:
        if packet.proto == "udp":
            handler = self._udp.get(packet.dport)
            if handler is not None:
                handler(self, packet)
            return
        key = (packet.dst, packet.dport, packet.src, packet.sport)
        conn = self._conns.get(key)
        if conn is not None:
            conn.segment_arrived(packet)
            return
        flags = packet.flags
        if "S" in flags and "A" not in flags and "R" not in flags:
            accept = self._listeners.get(packet.dport)
            if accept is not None:
                conn = TCPConnection(
                    self, packet.dst, packet.dport, packet.src, packet.sport, self.world.isn()
                )
                self._conns[key] = conn
                conn._open_passive(packet, accept)
                return
        if "R" in flags:
            return
        # Nothing listens or the connection is gone: RFC 9293 says answer with a reset.
        if "A" in flags:
            rst = packet.reply(flags="R", seq=packet.ack, ack=0, ident=self.next_ident())
        else:
            span = len(packet.payload) + ("S" in flags) + ("F" in flags)
            rst = packet.reply(
                flags="RA", seq=0, ack=(packet.seq + span) % 2**32, ident=self.next_ident()
            )
        self.send(rst)

    # -- sockets -------------------------------------------------------------------------
    def udp_bind(self, port: int, handler: Callable[[Host, Packet], None]) -> None:
        self._udp[port] = handler

    def udp_unbind(self, port: int) -> None:
        self._udp.pop(port, None)

    def tcp_listen(self, port: int, on_accept: Callable[[TCPConnection], None]) -> None:
        self._listeners[port] = on_accept

    def tcp_connect(self, destination: IPAddress, port: int) -> TCPConnection:
        """Open a connection (sends the SYN now); wait on it with ``wait_connected``."""
        local = self.address_for(destination)
        lport = self.ephemeral_port()
        conn = TCPConnection(self, local, lport, destination, port, self.world.isn())
        self._conns[(local, lport, destination, port)] = conn
        conn._open_active()
        return conn

    def _forget(self, conn: TCPConnection) -> None:
        self._conns.pop((conn.local, conn.lport, conn.remote, conn.rport), None)


class World:
    """A whole simulated internet with its virtual clock, seeded randomness and CA.

    Build one with :mod:`censorsim.worlds` (``football_night``) or by hand with
    :meth:`add_network` and :meth:`add_host`. ``epoch`` is the POSIX time that virtual
    time 0 stands for (used for pcap timestamps and HTTP dates).
    """

    def __init__(self, seed: int = 0, epoch: float = 1_767_225_600.0):
        self.seed = seed
        self.epoch = epoch
        self.loop = Loop()
        self.networks: dict[str, Network] = {}
        self.hosts: dict[str, Host] = {}
        self._by_address: dict[IPAddress, Host] = {}
        self._isn_rng = _rng(seed, "tcp-isn")
        self.dns_rng = _rng(seed, "dns")
        self.tls_rng = _rng(seed, "tls")
        self.ca = CertificateAuthority(seed)
        self._recorder: list[tuple] | None = None
        self._clients: dict[str, Client] = {}
        self.isp: Network | None = None  # where world.client() puts new subscribers
        self.control: Client | None = None  # a vantage point outside every censor
        self.site_index: dict[str, Site] = {}  # name -> Site, for every web site built
        # set by the builders in censorsim.worlds:
        self.authoritative: Host | None = None
        self.cdn = None
        self.hosting = None
        self.public_resolver: Host | None = None
        from censorsim.dns import Zone  # late: dns builds on net

        self.zone = Zone()

    def __repr__(self) -> str:
        return (
            f"<World seed={self.seed}: {len(self.networks)} networks, {len(self.hosts)} hosts, "
            f"t={self.now:.3f} s>"
        )

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
    ) -> Network:
        """Add a network; ISPs get a censor engine (empty: it passes everything)."""
        if name in self.networks:
            raise ValueError(f"a network named {name!r} exists already")
        if kind not in NETWORK_KINDS:
            raise ValueError(f"network kind {kind!r} is not one of {NETWORK_KINDS}")
        net = Network(self, name, kind, prefixes, latency, access_latency, asn)
        if censor if censor is not None else kind == "isp":
            from censorsim.censors.engine import CensorEngine

            net.censor = CensorEngine(name)
        self.networks[name] = net
        return net

    def add_host(
        self,
        name: str,
        network: Network | str,
        addresses: Iterable[str | IPAddress] | None = None,
    ) -> Host:
        """Add a host to ``network`` with the given addresses (or the next free IPv4 one)."""
        if name in self.hosts:
            raise ValueError(f"a host named {name!r} exists already")
        net = self.networks[network] if isinstance(network, str) else network
        if addresses is None:
            addrs = (net.next_address(4),)
        else:
            addrs = tuple(ipaddress.ip_address(a) for a in addresses)
        if not addrs:
            raise ValueError(f"host {name!r} needs at least one address")
        for a in addrs:
            if a in self._by_address:
                raise ValueError(f"address {a} of {name!r} belongs to {self._by_address[a].name!r}")
            if net.prefixes and not net.owns(a):
                raise ValueError(
                    f"address {a} of {name!r} is outside network {net.name!r} "
                    f"({', '.join(map(str, net.prefixes))})"
                )
        host = Host(self, name, net, addrs)
        self.hosts[name] = host
        net.hosts.append(host)
        for a in addrs:
            self._by_address[a] = host
        return host

    @property
    def sites(self) -> tuple[str, ...]:
        """The host names of the world's web sites."""
        return tuple(self.site_index)

    def site(self, name: str) -> Site:
        """The :class:`~censorsim.web.Site` called ``name`` (title, whether it infringes...)."""
        try:
            return self.site_index[name]
        except KeyError:
            raise KeyError(f"no site named {name!r}; sites are {sorted(self.site_index)}") from None

    def client(self, name: str, network: Network | str | None = None, **options) -> Client:
        """The client called ``name``, created on first use as a subscriber of ``network``.

        ``network`` defaults to the world's ISP. Options (``resolver``, ``ip_version``,
        ``timeouts``) go to :class:`~censorsim.client.Client` on creation.
        """
        from censorsim.client import Client

        existing = self._clients.get(name)
        if existing is not None:
            if network is not None or options:
                raise ValueError(f"client {name!r} exists already; options apply on creation only")
            return existing
        net = (
            self.isp
            if network is None
            else (self.networks[network] if isinstance(network, str) else network)
        )
        if net is None:
            raise ValueError("this world has no ISP: say which network the client joins")
        if name in self.hosts:
            raise ValueError(f"{name!r} is already the name of a host that is not a client")
        addresses = [net.next_address(4)]
        if any(p.version == 6 for p in net.prefixes):
            addresses.append(net.next_address(6))
        host = self.add_host(name, net, addresses)
        if "resolver" not in options and net.resolver is None:
            raise ValueError(f"network {net.name!r} has no resolver: pass resolver=<address>")
        client = Client(self, host, **options)
        self._clients[name] = client
        return client

    @property
    def clients(self) -> dict[str, Client]:
        """The clients created so far, by name."""
        return dict(self._clients)

    def host(self, name: str) -> Host:
        try:
            return self.hosts[name]
        except KeyError:
            raise KeyError(f"no host named {name!r}; hosts are {sorted(self.hosts)}") from None

    def host_at(self, address: str | IPAddress) -> Host | None:
        """The host that owns ``address``, or None."""
        return self._by_address.get(ipaddress.ip_address(address))

    # -- time ----------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """Virtual seconds since the world began."""
        return self.loop.now

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of virtual time pass (caches age, timers fire)."""
        if seconds < 0:
            raise ValueError(f"cannot advance by {seconds!r} seconds: time only moves forward")
        self.loop.run(until=self.loop.now + seconds)

    def isn(self) -> int:
        return self._isn_rng.getrandbits(32)

    #: after a process ends, packets still in flight within this many seconds land too
    DRAIN = 2.0

    def run(self, generator: Generator) -> Any:
        """Run a process to completion, then let in-flight packets land; return its value.

        Late answers and closing handshakes due within :attr:`DRAIN` seconds are part of
        the same trace; anything later (a server still retransmitting) stays scheduled
        and happens when virtual time next moves on.
        """
        proc = self.loop.process(generator)
        self.loop.run(until=proc)
        self.loop.drain(self.loop.now + self.DRAIN)
        return proc.value

    # -- recording -----------------------------------------------------------------------
    def recording(self):
        """Context manager collecting every hop event into a list (see :class:`Trace`)."""
        from censorsim.trace import Recording

        return Recording(self)

    def _record(self, hop: str, kind: str, packet: Packet, verdict=None, note: str = "") -> None:
        rec = self._recorder
        if rec is not None:
            rec.append((self.loop.now, hop, kind, packet, verdict, note))

    # -- moving packets ------------------------------------------------------------------
    def _transmit(self, host: Host, packet: Packet, verdict: Verdict | None = None) -> None:
        self._record(host.name, "send", packet, verdict)
        dst = packet.dst
        if dst in host.addresses or (dst.version == 4 and dst in _LOOPBACK4) or dst == _LOOPBACK6:
            self.loop.call_soon(self._deliver, host, packet)
            return
        net = host.network
        self.loop.call_later(net.access_latency, self._at_router, net, packet, False)

    def _at_router(self, net: Network, packet: Packet, inbound: bool) -> None:
        dst_host = self._by_address.get(packet.dst)
        here = dst_host is not None and dst_host.network is net
        verdict: Verdict | None = None
        censor = net.censor
        if censor is not None and (inbound or not here) and censor.packet_rules:
            verdict = censor.inspect(packet, self.loop.now, "in" if inbound else "out")
        if dst_host is None:
            self._record(net.name, "no-route", packet, verdict, "no host has this address")
            return
        if verdict is None or verdict.forward:
            self._record(net.name, "forward", packet, verdict)
        else:
            self._record(net.name, "drop", packet, verdict)
        if verdict is not None:
            for injected in verdict.inject:
                self._record(net.name, "inject", injected, verdict)
                self._route_from(net, injected, extra=0.0)
            if not verdict.forward:
                return
            self._route_from(net, packet, verdict.delay, dst_host)
        else:
            self._route_from(net, packet, 0.0, dst_host)

    def _route_from(
        self, net: Network, packet: Packet, extra: float, dst_host: Host | None = None
    ) -> None:
        if dst_host is None:
            dst_host = self._by_address.get(packet.dst)
            if dst_host is None:
                self._record(net.name, "no-route", packet, None, "no host has this address")
                return
        if dst_host.network is net:
            self.loop.call_later(net.access_latency + extra, self._deliver, dst_host, packet)
        else:
            other = dst_host.network
            self.loop.call_later(
                net.latency + other.latency + extra, self._at_router, other, packet, True
            )

    def _deliver(self, host: Host, packet: Packet) -> None:
        self._record(host.name, "deliver", packet)
        host.receive(packet)

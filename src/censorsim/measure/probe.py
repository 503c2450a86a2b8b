"""A vantage point as a measurer has it: what it sends and receives, never the censor (lab 04).

Theory of operation
-------------------
Everyone who studies a real censor works from the outside. A volunteer runs OONI Probe
on a phone inside the network, a researcher rents a machine abroad as a control; both see
the packets their own computer sends and receives, and nothing of the box that decides
their fate. The simulator shows more: a fetch's trace has an event at every hop and the
censor's verdict on each packet, which is what lessons 00 to 03 read to learn how
blocking works. A :class:`Probe` takes that away again. It wraps one client of a world
and offers what a measurement tool on that computer can do, with the results a tool
would get:

* :meth:`Probe.fetch`: a browser's fetch (the client's own resolver, or another one);
* :meth:`Probe.resolve`: one DNS question, to the system resolver, a public resolver over
  plain DNS or DNS over HTTPS, listening for late answers when asked to ``wait``;
* :meth:`Probe.get`: one request to a chosen address with a chosen name, what
  ``curl --resolve name:443:address https://name/`` does: the way to ask "is it the
  address, or the name?" and to try names that are not the site's;
* :meth:`Probe.traceroute`, :meth:`Probe.web_connectivity` and
  :meth:`Probe.locate_censor`: lesson 03's traceroute and lesson 06's measurements;
* :meth:`Probe.asn`: the network an address belongs to, as a measurer looks it up in a
  routing database;
* :attr:`Probe.control`: the same tools on a computer outside every censor.

Every result is the simulator's own (:class:`~censorsim.FetchResult`,
:class:`~censorsim.DNSLookup`...), except that its ``trace`` is a :class:`Capture`: the
packets the probe's computer sent and received, with their times, as a packet capture on
that computer would hold them (no other hop, no verdict, no note). Wireshark on the
probe's computer shows as much, and no more.

A Probe in the same Python process as its world (``Probe(world, client)``) hides the
censor from an honest user only: the world is one attribute away. Labs that grade a
detective give it a probe whose world lives in another process
(:mod:`censorsim.measure.blackbox`), which behaves exactly the same.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from pathlib import Path

from censorsim.client import (
    Client,
    FetchResult,
    Request,
    TracerouteResult,
    _Context,
    _StageFailure,
)
from censorsim.measure.addresses import asn_of, network_of
from censorsim.measure.locate import CensorLocation, locate_censor
from censorsim.measure.webconnectivity import WebConnectivityResult, web_connectivity
from censorsim.names import normalize_name
from censorsim.observe.trace import Recording, TraceEvent
from censorsim.protocols.dns import DNSLookup
from censorsim.wire import Packet, describe, write_pcap
from censorsim.worlds.world import World

__all__ = ["Probe", "Capture", "PROBE_METHODS"]

#: The measurements a probe offers (what :mod:`censorsim.measure.blackbox` relays).
PROBE_METHODS = (
    "fetch",
    "resolve",
    "get",
    "traceroute",
    "web_connectivity",
    "locate_censor",
    "asn",
    "network_of",
    "info",
)


@dataclass(frozen=True)
class Capture:
    """The packets one computer sent and received, as a capture on it holds them.

    ``events`` are :class:`~censorsim.TraceEvent` objects at that computer only, of kind
    ``"send"`` or ``"deliver"``, with no verdict and no note: a capture shows packets,
    not why the network treated them as it did. ``epoch`` is the POSIX time of virtual
    time 0 (for pcap timestamps).
    """

    origin: str
    events: tuple[TraceEvent, ...] = ()
    epoch: float = 0.0

    @classmethod
    def of(cls, trace, origin: str, epoch: float) -> Capture:
        """The part of a simulator trace that a capture on ``origin`` would show."""
        if trace is None:
            return cls(origin, (), epoch)
        # the recorded events, (time, hop, kind, packet, verdict, note, uid, ttl): only
        # this computer's are turned into events (with the TTL as seen here)
        kept = tuple(
            TraceEvent(time, hop, kind, packet if packet.ttl == ttl else replace(packet, ttl=ttl))
            for time, hop, kind, packet, _verdict, _note, _uid, ttl in trace._raw
            if hop == origin and kind in ("send", "deliver")
        )
        return cls(origin, kept, epoch)

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self):
        return iter(self.events)

    def packets(self) -> list[Packet]:
        """Every packet, sent and received, in order."""
        return [e.packet for e in self.events]

    def sent(self) -> list[Packet]:
        """The packets this computer sent."""
        return [e.packet for e in self.events if e.kind == "send"]

    def received(self) -> list[Packet]:
        """The packets that reached this computer."""
        return [e.packet for e in self.events if e.kind == "deliver"]

    def summary(self, limit: int | None = None) -> str:
        """One line per packet: time, direction, what it is (IP TTL and ident included)."""
        lines = []
        for e in self.events[:limit]:
            arrow = "→" if e.kind == "send" else "←"
            p = e.packet
            lines.append(
                f"{e.time * 1000:10.1f} ms  {arrow} {describe(p)}  (IP TTL {p.ttl}, ident {p.ident})"
            )
        if limit is not None and len(self.events) > limit:
            lines.append(f"... {len(self.events) - limit} more packets")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<Capture at {self.origin}: {len(self.events)} packets>"

    def to_pcap(self, path: str | Path) -> Path:
        """Write the capture to a pcap file (raw IP), for Wireshark or tshark."""
        return write_pcap(path, ((self.epoch + e.time, e.packet.to_bytes()) for e in self.events))


def _address(value, what: str = "address"):
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        raise ValueError(f"{what}={value!r} is not an IPv4 or IPv6 address") from None


class Probe:
    """Measurement tools on one computer of a world: ``Probe(world, client)``.

    ``client`` is a :class:`~censorsim.Client` of ``world`` or the name of one (such as
    ``"alice"``). ``control`` is the computer outside every censor used for comparisons
    (``world.control`` by default). See the module's docstring for what each tool does.
    """

    def __init__(self, world: World, client: Client | str, *, control: Client | str | None = None):
        if not isinstance(world, World):
            raise TypeError(f"world={world!r}: expected a World (cs.worlds.football_night()...)")
        self._world = world
        self._client = self._resolve_client(client, "client")
        if control is None:
            control = world.control
        self._control_client = None if control is None else self._resolve_client(control, "control")

    def _resolve_client(self, client, what: str) -> Client:
        world = self._world
        if isinstance(client, str):
            found = world.clients.get(client)
            if found is None:
                raise ValueError(
                    f"{what}={client!r}: no client of that name; clients are {sorted(world.clients)}"
                )
            return found
        if not isinstance(client, Client) or client.host.internet is not world:
            raise TypeError(f"{what}={client!r}: expected a client of this world, or its name")
        return client

    def __repr__(self) -> str:
        return f"<Probe {self.name} in {self.network} ({self.address})>"

    # -- who am I ------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The name of the probe's computer."""
        return self._client.name

    @property
    def network(self) -> str:
        """The name of the network the probe is in (its ISP)."""
        return self._client.host.network.name

    @property
    def address(self) -> str:
        """The probe's own (first) address."""
        return str(self._client.address)

    @property
    def resolver(self) -> str:
        """The resolver the probe's system uses: ``"isp"``, an address or a DoH URL."""
        return self._client.resolver

    @property
    def control(self) -> Probe:
        """The same tools on a computer outside every censor (OONI's control)."""
        if self._control_client is None:
            raise ValueError("this world has no control vantage point (world.control is None)")
        return Probe(self._world, self._control_client, control=self._control_client)

    def info(self) -> dict:
        """``{"name", "network", "address", "resolver"}`` of the probe, as plain strings."""
        return {
            "name": self.name,
            "network": self.network,
            "address": self.address,
            "resolver": self.resolver,
        }

    # -- measurements --------------------------------------------------------------------
    def fetch(
        self, url: str, *, resolver: str | None = None, split_hello: int | str | None = None
    ) -> FetchResult:
        """Fetch ``url`` as the probe's browser does (lesson 00), with an empty DNS cache.

        ``resolver`` asks another resolver for this fetch (``"isp"``, an address for plain
        DNS, or a DNS-over-HTTPS URL); ``split_hello`` sends the TLS ClientHello in two TCP
        segments (at that byte offset, or ``"sni"``: in the middle of the server name).
        """
        client = self._client
        with _Options(client, resolver, split_hello):
            result = client.fetch(url)
        return self._clean_fetch(result)

    def resolve(
        self, name: str, rdtype: str = "A", *, resolver: str | None = None, wait: float = 0.0
    ) -> DNSLookup:
        """Ask one DNS question (lesson 02), with an empty DNS cache.

        ``resolver``: ``"isp"`` (the system resolver, the default), the address of a
        resolver (plain DNS over UDP, crossing the network's border) or a DNS-over-HTTPS
        URL. ``wait`` keeps listening that many seconds after the first answer; later
        answers are in ``lookup.late``.
        """
        client = self._client
        with _Options(client, resolver, None):
            lookup = client.resolve(name, rdtype, wait=wait)
        return self._clean_lookup(lookup)

    def get(
        self,
        address: str,
        name: str,
        *,
        scheme: str = "https",
        path: str = "/",
        port: int | None = None,
        split_hello: int | str | None = None,
    ) -> FetchResult:
        """One request to ``address`` for site ``name``, without DNS: ``curl --resolve``.

        Over ``https`` the ClientHello names ``name`` (the SNI) and the certificate must
        match it; over ``http`` the request's ``Host`` header names it. Nothing is looked
        up. A server that does not host ``name`` still answers: with a certificate for
        another name (``tls:certificate-hostname``) or an error page; either way the
        request went through the network. Returns a :class:`~censorsim.FetchResult`
        (``dns`` is None, ``history`` empty).
        """
        if scheme not in ("http", "https"):
            raise ValueError(f"scheme={scheme!r}: expected 'http' or 'https'")
        target = _address(address)
        if not isinstance(name, str):
            raise TypeError(f"name={name!r}: expected a host name as a str")
        host_name = normalize_name(name)
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"path={path!r}: expected a path starting with '/'")
        if port is None:
            port = 443 if scheme == "https" else 80
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise ValueError(f"port={port!r}: expected a port number from 1 to 65535")
        client = self._client
        world = self._world
        shown = f"[{target}]" if target.version == 6 else str(target)
        url = f"{scheme}://{host_name}{path}"
        context = _Context(f"get {url} at {shown}:{port}")
        start = world.now
        with _Options(client, None, split_hello):
            with Recording(world, client.host.name, context=context) as rec:
                fields = world.run(
                    _get(client, target, port, host_name, scheme == "https", path),
                    context=context,
                )
        status = fields["status"]
        result = FetchResult(
            url=url,
            ok=fields["failure"] is None and status is not None and 200 <= status < 300,
            status=status,
            failure=fields["failure"],
            detail=fields["detail"],
            body=fields["body"],
            headers=fields["headers"],
            address=target,
            dns=None,
            started=start,
            elapsed=round(fields["ended"] - start, 9),
            tls_version=fields["tls_version"],
            trace=rec.trace,
            final_url=url,
            sni=host_name if scheme == "https" else None,
            http_version="HTTP/1.1" if status is not None else None,
        )
        return self._clean_fetch(result)

    def traceroute(
        self,
        target: str,
        *,
        proto: str = "tcp",
        port: int | None = None,
        payload: str | None = None,
        server_name: str | None = None,
        max_ttl: int = 16,
        timeout: float = 2.0,
    ) -> TracerouteResult:
        """Lesson 03's traceroute from the probe: probes with TTL 1, 2, 3... to ``target``
        (a name or an address). ``payload`` is None (SYN probes), ``"tls"`` (a ClientHello
        naming ``server_name``) or ``"http"`` (a GET with that Host), sent on a connection
        opened at full TTL."""
        if payload not in (None, "tls", "http"):
            raise ValueError(f"payload={payload!r}: expected None, 'tls' or 'http'")
        self._client.flush_dns()
        result = self._client.traceroute(
            target,
            proto=proto,
            port=port,
            payload=payload,
            server_name=server_name,
            max_ttl=max_ttl,
            timeout=timeout,
        )
        return self._clean_traceroute(result)

    def web_connectivity(self, url: str) -> WebConnectivityResult:
        """OONI's Web Connectivity test of ``url`` from the probe (lesson 06)."""
        self._client.flush_dns()
        result = web_connectivity(self._world, self._client, url)
        return replace(result, trace=Capture.of(result.trace, self.name, self._world.epoch))

    def locate_censor(self, url: str, *, max_ttl: int = 16) -> CensorLocation:
        """Where a censor acts on ``url``: a benign and a triggering traceroute (lesson 06)."""
        self._client.flush_dns()
        found = locate_censor(self._world, self._client, url, max_ttl=max_ttl)
        return replace(
            found,
            control=self._clean_traceroute(found.control),
            test=self._clean_traceroute(found.test),
            syn=None if found.syn is None else self._clean_traceroute(found.syn),
        )

    def asn(self, address: str) -> int | None:
        """The AS number of the network ``address`` belongs to (None for a bogon, or an
        address nobody announces): what a routing database says."""
        return asn_of(self._world, _address(address))

    def network_of(self, address: str) -> str | None:
        """The name of the network ``address`` belongs to, or None."""
        network = network_of(self._world, _address(address))
        return None if network is None else network.name

    # -- what a capture on this computer holds -------------------------------------------
    def _capture(self, trace) -> Capture:
        return Capture.of(trace, self.name, self._world.epoch)

    def _clean_lookup(self, lookup: DNSLookup | None) -> DNSLookup | None:
        if lookup is None:
            return None
        return replace(lookup, trace=self._capture(lookup.trace))

    def _clean_fetch(self, result: FetchResult) -> FetchResult:
        dns_ = result.dns
        return replace(
            result,
            trace=self._capture(result.trace),
            dns=None if dns_ is None else replace(dns_, trace=None),
        )

    def _clean_traceroute(self, result: TracerouteResult) -> TracerouteResult:
        return replace(result, trace=self._capture(result.trace))


class _Options:
    """Set a client's resolver and ClientHello splitting for one measurement, then put
    them back; the DNS cache is emptied before (a measurement asks afresh)."""

    def __init__(self, client: Client, resolver: str | None, split_hello):
        self.client, self.resolver, self.split_hello = client, resolver, split_hello

    def __enter__(self):
        client = self.client
        self.saved = (client.resolver, client.split_hello)
        if self.split_hello is not None and self.split_hello != "sni":
            value = self.split_hello
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"split_hello={value!r}: expected a positive byte offset, 'sni' or None"
                )
        if self.resolver is not None and self.resolver != client.resolver:
            client.use_resolver(self.resolver)
        client.flush_dns()
        client.split_hello = self.split_hello
        return self

    def __exit__(self, *exc):
        client = self.client
        resolver, split = self.saved
        if client.resolver != resolver:
            client.use_resolver(resolver)
        client.flush_dns()
        client.split_hello = split


def _get(client: Client, address, port: int, name: str, secure: bool, path: str):
    """A process: one connection to ``address``, TLS naming ``name`` if ``secure``, one GET."""
    loop = client.host.internet.loop
    out = dict(status=None, failure=None, detail="", body="", headers={}, tls_version=None)
    try:
        channel = yield from client.transport.open(client, address, port, name, secure)
    except _StageFailure as exc:
        out.update(failure=exc.failure, detail=exc.detail, ended=loop.now)
        return out
    default = 443 if secure else 80
    host = name if port == default else f"{name}:{port}"
    exchange = yield from channel.request(Request("GET", path, host))
    out.update(
        status=exchange.status,
        failure=exchange.failure,
        detail=exchange.detail,
        body=exchange.body.decode("utf-8", "replace"),
        headers=exchange.headers,
        tls_version=exchange.tls_version,
        ended=loop.now,
    )
    return out

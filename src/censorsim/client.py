"""The client: what a browser does to fetch a URL, stage by stage (lessons 00-02).

Theory of operation
-------------------
``client.fetch("https://bakery.example/")`` does what a browser does, in order:

1. **DNS**: look the name up (in the client's own cache first, then with the configured
   resolver: the ISP's, a public one by address, or DNS over HTTPS);
2. **TCP**: open a connection to the first address of the answer;
3. **TLS** (https only): handshake, sending the name in the ClientHello (SNI) and
   checking the certificate against it;
4. **HTTP**: send ``GET`` with a ``Host`` header and read the answer.

A fetch fails at the first stage that fails, and the failure is named ``stage:outcome``,
the way OONI names failures: ``dns:nxdomain``, ``dns:refused``, ``dns:timeout``,
``tcp:timeout``, ``tcp:refused``, ``tcp:reset``, ``tls:reset``, ``tls:timeout``,
``tls:certificate``, ``http:reset``, ``http:timeout``. Each censorship method leaves its
own signature in that list, which is what lessons 02-04 and lab04 are about. A fetch is
``ok`` when an HTTP answer with a 2xx or 3xx status arrived; a block page arrives as an
HTTP answer too, with status 451 and no failure, so ``ok`` is False and ``failure`` None.

Timeouts (in virtual seconds, see :class:`Timeouts`) cost no real time.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Generator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import dns.message
import dns.rcode
import dns.rdatatype

from censorsim.dns import DNSCache, DNSLookup, _answer_ttl, failure_for_rcode, udp_lookup
from censorsim.names import normalize_name
from censorsim.sim import Event
from censorsim.tcp import TCPError
from censorsim.tls import TLSClientSession, TLSError
from censorsim.wire import IPAddress, MalformedPacket, parse_dns

if TYPE_CHECKING:
    from censorsim.net import Host, World
    from censorsim.trace import Trace

__all__ = ["Client", "FetchResult", "Timeouts", "FAILURES"]

FAILURES = (
    "dns:nxdomain",
    "dns:refused",
    "dns:timeout",
    "tcp:timeout",
    "tcp:refused",
    "tcp:reset",
    "tls:reset",
    "tls:timeout",
    "tls:certificate",
    "http:reset",
    "http:timeout",
)


@dataclass(frozen=True)
class Timeouts:
    """How long each stage may take, in virtual seconds.

    ``dns`` is per attempt (``dns_attempts`` attempts, like a stub resolver), ``connect``
    is the TCP handshake with its SYN retransmissions, ``tls`` the TLS handshake, ``http``
    the wait for a complete answer.
    """

    dns: float = 5.0
    dns_attempts: int = 2
    connect: float = 15.0
    tls: float = 10.0
    http: float = 15.0


@dataclass(frozen=True, repr=False)
class FetchResult:
    """What a fetch returned: success or the stage that failed, and the full trace."""

    url: str
    ok: bool
    status: int | None
    failure: str | None
    detail: str
    body: str
    headers: dict[str, str]
    address: IPAddress | None
    dns: DNSLookup | None
    started: float
    elapsed: float
    tls_version: str | None = None
    trace: Trace | None = field(default=None, compare=False)

    @property
    def stage(self) -> str | None:
        """The stage that failed (``dns``, ``tcp``, ``tls``, ``http``), or None."""
        return self.failure.split(":", 1)[0] if self.failure else None

    def __repr__(self) -> str:
        what = f"status={self.status}" if self.failure is None else f"failure={self.failure!r}"
        return f"<FetchResult {self.url} ok={self.ok} {what} in {self.elapsed:.3f} s>"


@dataclass
class _Exchange:
    failure: str | None = None
    detail: str = ""
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    tls_version: str | None = None


class _ResponseReader:
    """Reads one HTTP/1.1 response with Content-Length, or until the end of the stream."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.length: int | None = None
        self.body_at = -1
        self.done = False
        self.error = ""

    def feed(self, data: bytes) -> None:
        self.buf += data
        if self.body_at < 0:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
            parts = lines[0].split(" ", 2)
            if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
                self.error = f"not an HTTP response: {lines[0][:60]!r}"
                self.done = True
                return
            self.status = int(parts[1])
            for line in lines[1:]:
                name, _, value = line.partition(":")
                self.headers[name.strip().lower()] = value.strip()
            length = self.headers.get("content-length")
            self.length = int(length) if length and length.isdigit() else None
            self.body_at = end + 4
        if self.length is not None and len(self.buf) - self.body_at >= self.length:
            self.done = True

    def eof(self) -> None:
        if self.body_at >= 0 and self.length is None:
            self.done = True  # a body delimited by the end of the connection

    @property
    def body(self) -> bytes:
        if self.body_at < 0:
            return b""
        end = None if self.length is None else self.body_at + self.length
        return bytes(self.buf[self.body_at : end])


def _parse_url(url: str) -> tuple[str, str, int, str, bool]:
    if not isinstance(url, str):
        raise ValueError(f"{url!r} is not a URL: expected a str such as 'https://bakery.example/'")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(
            f"{url!r} is not a URL the client can fetch: expected it to start with "
            "http:// or https://"
        )
    if not parts.hostname:
        raise ValueError(f"{url!r} has no host name")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValueError(f"{url!r} has an invalid port") from None
    host = parts.hostname
    try:
        ipaddress.ip_address(host)
        literal = True
    except ValueError:
        host = normalize_name(host)
        literal = False
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, host, port, path, literal


class Client:
    """A computer that fetches URLs: a subscriber of an ISP, or the control vantage point.

    ``resolver`` is ``"isp"`` (the network's resolver), the address of a resolver (plain
    DNS over UDP), or a DNS-over-HTTPS URL such as ``"https://dns.resolver.example/dns-query"``.
    The client keeps its own DNS cache, honouring TTLs, as operating systems and browsers
    do (``flush_dns()`` empties it).

    ``split_hello`` sends the TLS ClientHello in two TCP segments, split at that byte
    offset, or in the middle of the server name with ``"sni"`` (an evasion against
    per-packet SNI filters, lesson 04).
    """

    def __init__(
        self,
        world: World,
        host: Host,
        resolver: str = "isp",
        *,
        ip_version: int = 4,
        timeouts: Timeouts | None = None,
        dns_cache: bool = True,
        split_hello: int | str | None = None,
    ):
        self.world = world
        self.host = host
        self.timeouts = timeouts or Timeouts()
        self.cache = DNSCache() if dns_cache else None
        if ip_version not in (4, 6):
            raise ValueError(f"ip_version={ip_version!r}: expected 4 or 6")
        self.ip_version = ip_version
        self.split_hello = split_hello
        self._resolver_spec = ""
        self._server: IPAddress | None = None
        self._doh: tuple[str, str, IPAddress] | None = None
        self.use_resolver(resolver)

    def __repr__(self) -> str:
        return f"<Client {self.host.name} {self.host.address} resolver={self._resolver_spec}>"

    @property
    def name(self) -> str:
        return self.host.name

    @property
    def address(self) -> IPAddress:
        """The client's first address."""
        return self.host.address

    @property
    def addresses(self) -> tuple[IPAddress, ...]:
        """All the client's addresses (IPv4, and IPv6 where its network has it)."""
        return self.host.addresses

    @property
    def resolver(self) -> str:
        """The resolver in use, as given to :meth:`use_resolver`."""
        return self._resolver_spec

    def use_resolver(self, resolver: str, bootstrap: str | None = None) -> None:
        """Switch resolver: ``"isp"``, an address, or a DNS-over-HTTPS URL.

        For DNS over HTTPS, ``bootstrap`` is the address of the DoH server (browsers ship
        it, so no plain DNS query reveals it); by default it is taken from the world.
        The client's DNS cache is emptied, as a browser does when its settings change.
        """
        if self.cache is not None:
            self.cache.clear()
        if resolver == "isp":
            own = self.host.network.resolver
            if own is None:
                raise ValueError(
                    f"{self.host.name}'s network {self.host.network.name!r} has no resolver; "
                    "give a resolver address instead"
                )
            self._server, self._doh = own.address, None
        elif isinstance(resolver, str) and resolver.startswith("https://"):
            parts = urlsplit(resolver)
            name = normalize_name(parts.hostname or "")
            if bootstrap is None:
                addrs = self.world.zone.addresses(name)
                if not addrs:
                    raise ValueError(f"DoH server {name!r} is not in this world: give bootstrap=")
                address = addrs[0]
            else:
                address = ipaddress.ip_address(bootstrap)
            self._server, self._doh = None, (name, parts.path or "/dns-query", address)
        else:
            try:
                self._server = ipaddress.ip_address(resolver)
            except ValueError:
                raise ValueError(
                    f"resolver {resolver!r} is not 'isp', an IP address or an https:// DoH URL"
                ) from None
            self._doh = None
        self._resolver_spec = resolver

    def flush_dns(self) -> None:
        """Forget every cached DNS answer."""
        if self.cache is not None:
            self.cache.clear()

    # -- public, blocking calls (they run the simulation) --------------------------------
    def resolve(self, name: str, rdtype: str = "A", *, wait: float = 0.0) -> DNSLookup:
        """Look ``name`` up with the configured resolver; returns a :class:`DNSLookup`.

        ``wait`` keeps listening after the first answer and reports later ones in
        ``late``: a client that waits can notice an injected answer.
        """
        name = normalize_name(name)
        try:
            code = dns.rdatatype.from_text(rdtype)
        except dns.rdatatype.UnknownRdatatype:
            raise ValueError(f"rdtype {rdtype!r} is not a DNS record type such as 'A'") from None
        if code not in (dns.rdatatype.A, dns.rdatatype.AAAA):
            raise ValueError(f"rdtype {rdtype!r}: the simulated DNS serves 'A' and 'AAAA' only")
        from censorsim.trace import Recording

        with Recording(self.world, self.host.name) as rec:
            lookup = self.world.run(self._lookup(name, code, wait=wait))
        return replace(lookup, trace=rec.trace)

    def fetch(self, url: str) -> FetchResult:
        """Fetch ``url`` through the simulated network; returns a :class:`FetchResult`."""
        parsed = _parse_url(url)
        from censorsim.trace import Recording

        start = self.world.now
        with Recording(self.world, self.host.name) as rec:
            fields = self.world.run(self._fetch(url, *parsed))
        return FetchResult(url=url, started=start, trace=rec.trace, **fields)

    # -- the process ---------------------------------------------------------------------
    def _fetch(self, url, scheme, host, port, path, literal) -> Generator[Event, object, dict]:
        loop = self.world.loop
        start = loop.now
        result = dict(
            ok=False,
            status=None,
            failure=None,
            detail="",
            body="",
            headers={},
            address=None,
            dns=None,
            elapsed=0.0,
            tls_version=None,
        )
        if literal:
            addresses = (ipaddress.ip_address(host),)
        else:
            rdtype = dns.rdatatype.AAAA if self.ip_version == 6 else dns.rdatatype.A
            lookup = yield from self._lookup(host, rdtype)
            result["dns"] = lookup
            if lookup.failure:
                result.update(
                    failure=lookup.failure,
                    detail=lookup.detail or _dns_detail(lookup),
                    elapsed=round(loop.now - start, 9),
                )
                return result
            addresses = lookup.addresses
        address = addresses[0]
        result["address"] = address
        default_port = 443 if scheme == "https" else 80
        host_header = host if port == default_port else f"{host}:{port}"
        if literal and address.version == 6:
            host_header = f"[{host}]" if port == default_port else f"[{host}]:{port}"
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: censorsim/0.1\r\n"
            "Accept: */*\r\nConnection: close\r\n\r\n"
        ).encode()
        # For an address literal, OpenSSL verifies the address and sends no SNI (RFC 6066)
        exchange = yield from self._exchange(address, port, scheme == "https", host, request)
        body = exchange.body.decode("utf-8", "replace")
        status = exchange.status
        result.update(
            ok=exchange.failure is None and status is not None and 200 <= status < 400,
            status=exchange.status,
            failure=exchange.failure,
            detail=exchange.detail,
            body=body,
            headers=exchange.headers,
            elapsed=round(loop.now - start, 9),
            tls_version=exchange.tls_version,
        )
        return result

    def _lookup(self, name: str, rdtype: int, wait: float = 0.0):
        now = self.world.loop.now
        rdtext = dns.rdatatype.to_text(rdtype)
        if self.cache is not None:
            hit = self.cache.get(name, rdtype, now)
            if hit is not None:
                rcode, addrs, ttl = hit
                return DNSLookup(
                    name,
                    rdtext,
                    "cache",
                    dns.rcode.to_text(rcode),
                    addrs,
                    ttl,
                    failure_for_rcode(rcode, addrs),
                    cached=True,
                )
        if self._doh is not None:
            lookup = yield from self._doh_lookup(name, rdtype)
        else:
            t = self.timeouts
            lookup = yield from udp_lookup(
                self.host,
                self._server,
                name,
                rdtype,
                timeout=t.dns,
                attempts=t.dns_attempts,
                wait=wait,
            )
        if self.cache is not None and lookup.rcode is not None and lookup.ttl:
            self.cache.put(
                name,
                rdtype,
                self.world.loop.now,
                dns.rcode.from_text(lookup.rcode),
                lookup.addresses,
                lookup.ttl,
            )
        return lookup

    def _doh_lookup(self, name: str, rdtype: int):
        doh_name, path, address = self._doh
        query = dns.message.make_query(name, rdtype, id=0)  # RFC 8484 4.1: ID 0 for caching
        wire = query.to_wire()
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {doh_name}\r\nUser-Agent: censorsim/0.1\r\n"
            "Content-Type: application/dns-message\r\nAccept: application/dns-message\r\n"
            f"Content-Length: {len(wire)}\r\nConnection: close\r\n\r\n"
        ).encode() + wire
        exchange = yield from self._exchange(address, 443, True, doh_name, request)
        rdtext = dns.rdatatype.to_text(rdtype)
        server = f"https://{doh_name}{path}"
        if exchange.failure is not None:
            kind = "dns:timeout" if exchange.failure.endswith("timeout") else "dns:refused"
            detail = f"DNS over HTTPS to {address}: {exchange.failure} ({exchange.detail})"
            return DNSLookup(name, rdtext, server, None, (), None, kind, detail=detail)
        if exchange.status != 200:
            detail = f"DNS over HTTPS answered HTTP {exchange.status}"
            return DNSLookup(name, rdtext, server, None, (), None, "dns:refused", detail=detail)
        try:
            message = parse_dns(exchange.body)
        except MalformedPacket as exc:
            detail = f"DNS over HTTPS answer is not DNS: {exc}"
            return DNSLookup(name, rdtext, server, None, (), None, "dns:refused", detail=detail)
        rcode, addrs, ttl = _answer_ttl(message, rdtype)
        return DNSLookup(
            name,
            rdtext,
            server,
            dns.rcode.to_text(rcode),
            addrs,
            ttl,
            failure_for_rcode(rcode, addrs),
            message=message,
        )

    def _exchange(self, address, port, tls: bool, server_name: str, request: bytes):
        """TCP, then TLS if asked, then one HTTP request and its response.

        ``server_name`` is what the certificate must match: a host name (also sent as
        SNI) or an address literal (not sent).
        """
        loop = self.world.loop
        t = self.timeouts
        out = _Exchange()
        try:
            conn = self.host.tcp_connect(address, port)
        except OSError as exc:
            out.failure, out.detail = "tcp:timeout", str(exc)
            return out
        try:
            yield from conn.wait_connected(t.connect)
        except TCPError as exc:
            out.failure = f"tcp:{exc.kind}"
            out.detail = {
                "timeout": f"no answer to SYN from {address}:{port} within {t.connect:g} s",
                "refused": f"{address}:{port} answered the SYN with a RST",
                "reset": f"the connection to {address}:{port} was reset while opening",
            }[exc.kind]
            return out
        session = None
        if tls:
            ctx = self.world.ca.client_context()
            session = TLSClientSession(ctx, server_name, self.world.tls_rng)
            for segment in _split(session.start(), self.split_hello, server_name):
                conn.send(segment)  # each call leaves as its own TCP segment
            deadline = loop.now + t.tls
            while not session.handshake_done:
                try:
                    data = yield from conn.recv(deadline - loop.now)
                except TCPError as exc:
                    conn.abort()
                    out.failure, out.detail = _broken("tls", exc, t.tls)
                    return out
                if not data:
                    conn.close()
                    out.failure = "tls:reset"
                    out.detail = "the server closed the connection during the TLS handshake"
                    return out
                try:
                    reply, _ = session.feed(data)
                except TLSError as exc:
                    if exc.alert:
                        conn.send(exc.alert)
                    conn.close()
                    if exc.kind == "certificate":
                        out.failure = "tls:certificate"
                        out.detail = f"certificate verification failed: {exc}"
                    else:
                        out.failure = "tls:reset"
                        out.detail = f"TLS handshake failed: {exc}"
                    return out
                if reply:
                    conn.send(reply)
            out.tls_version = session.version
            conn.send(session.send(request))
        else:
            conn.send(request)
        reader = _ResponseReader()
        deadline = loop.now + t.http
        while not reader.done:
            try:
                data = yield from conn.recv(deadline - loop.now)
            except TCPError as exc:
                conn.abort()
                out.failure, out.detail = _broken("http", exc, t.http)
                return out
            if not data:
                reader.eof()
                break
            if session is not None:
                try:
                    _, data = session.feed(data)
                except TLSError as exc:
                    conn.abort()
                    out.failure, out.detail = "http:reset", f"TLS error while reading: {exc}"
                    return out
                if session.closed:
                    reader.feed(data)
                    reader.eof()
                    break
            reader.feed(data)
        conn.close()
        if not reader.done or reader.error:
            out.failure = "http:reset"
            out.detail = reader.error or "the connection ended before the HTTP answer was complete"
            return out
        out.status, out.headers, out.body = reader.status, reader.headers, reader.body
        return out


_WAITING_FOR = {"tls": "TLS handshake answer", "http": "complete HTTP answer"}


def _broken(stage: str, exc: TCPError, timeout: float) -> tuple[str, str]:
    """The failure and its explanation when the connection broke during ``stage``."""
    if exc.kind == "timeout":
        return f"{stage}:timeout", f"no {_WAITING_FOR[stage]} within {timeout:g} s"
    return f"{stage}:reset", f"the connection was reset while waiting for the {_WAITING_FOR[stage]}"


def _split(hello: bytes, at: int | str | None, sni: str | None) -> list[bytes]:
    if at is None:
        return [hello]
    if at == "sni":
        where = hello.find(sni.encode()) if sni else -1
        if where < 0:
            return [hello]
        at = where + max(1, len(sni) // 2)
    if not isinstance(at, int) or isinstance(at, bool):
        raise ValueError(f"split_hello={at!r}: expected a byte offset, 'sni' or None")
    if not 0 < at < len(hello):
        raise ValueError(f"split_hello={at} is outside the {len(hello)}-byte ClientHello")
    return [hello[:at], hello[at:]]


def _dns_detail(lookup: DNSLookup) -> str:
    if lookup.failure == "dns:timeout":
        return f"no DNS answer from {lookup.server}"
    return f"{lookup.server} answered {lookup.rcode}"

"""The client: what a browser does to fetch a URL, stage by stage (lessons 00-04).

Theory of operation
-------------------
``client.fetch("https://bakery.example/")`` does what a browser does, in order:

1. **DNS**: look the name up (in the client's own cache first, then with the configured
   resolver: the ISP's, a public one by address, or DNS over HTTPS). A dual-stack client
   asks for AAAA and A records at once, AAAA first (RFC 8305 section 3).
2. **Connect**: try the addresses of the answer the way browsers do (Happy Eyeballs v2,
   RFC 8305): IPv6 and IPv4 addresses interleaved, IPv6 first; a new attempt starts
   every 250 ms (the Connection Attempt Delay) while earlier ones are still waiting, or
   at once when one fails; the first connection to succeed wins and the others are
   abandoned. So blocking one address of a site that has several does little, and a
   site is only unreachable when every address is.
3. **TLS** (https only): handshake, sending the name in the ClientHello (SNI) and
   checking the certificate against it, at the world's virtual time.
4. **HTTP**: send ``GET`` with a ``Host`` header (through h11) and read the answer;
   follow redirects (up to 10, as :data:`MAX_REDIRECTS` says), each one a new fetch of the
   ``Location``, the earlier answers kept in ``r.history``.

A fetch fails at the first stage that fails, and the failure is named ``stage:outcome``,
the way OONI names failures (see :data:`FAILURES`). Each censorship method leaves its own
signature in that list, which is what lessons 02-04 and lab04 are about. A fetch is
``ok`` when an HTTP answer with a 2xx status arrived after the redirects; a block page
arrives as an HTTP answer too, with status 451 and no failure, so ``ok`` is False and
``failure`` None.

Connections go through a **transport**: ``transport.open(...)`` makes a channel to one
address, ``channel.request(...)`` does one :class:`Request` on it. :class:`TCPTransport`
is TCP, then TLS when the URL is https, then HTTP/1.1; :class:`QUICTransport` is QUIC,
then HTTP/3 (lesson 04). The fetch pipeline sees only the seam.

``client.traceroute(target, ...)`` sends probes with growing TTLs and reports who
answers at each hop; with a ``payload`` that a censor reacts to, the TTL at which the
probes stop meeting routers and start meeting the censor tells where it sits (the method
of CenTrace, Sundara Raman et al., IMC 2022).

DNS over HTTPS looks its own server's name up with the system resolver first, as Firefox
and Chrome do, unless the client is given the server's address (``bootstrap=``).

Timeouts (in virtual seconds, see :class:`Timeouts`) cost no real time.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Generator
from dataclasses import dataclass, field, replace
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rdtypes.svcbbase

from censorsim.core.clock import Event, check_seconds, first_of
from censorsim.core.net import Host
from censorsim.names import normalize_name
from censorsim.observe.trace import Recording, Trace
from censorsim.protocols.dns import (
    SERVED_TYPES,
    DNSCache,
    DNSLookup,
    _answer_ttl,
    failure_for_rcode,
    udp_lookup,
)
from censorsim.protocols.http import ResponseReader, request_bytes
from censorsim.protocols.quic import QuicClient, QuicFailure
from censorsim.protocols.tcp import TCPError, TCPSocket, TCPStack
from censorsim.protocols.tls import CertificateAuthority, TLSClientSession, TLSError
from censorsim.wire import (
    Incomplete,
    IPAddress,
    MalformedPacket,
    Packet,
    describe,
    extract_sni,
    parse_dns,
    split_into_records,
)
from censorsim.wire.ech import parse_ech_config_list, seal_client_hello

__all__ = [
    "Client",
    "FetchResult",
    "Timeouts",
    "Attempt",
    "Redirect",
    "Transport",
    "TCPTransport",
    "TracerouteResult",
    "Hop",
    "FAILURES",
    "MAX_REDIRECTS",
    "CONNECTION_ATTEMPT_DELAY",
    "RESOLUTION_DELAY",
]

#: Every failure a fetch can report, as ``stage:outcome`` (OONI's names for each, in
#: :data:`censorsim.measure.OONI_FAILURES`).
FAILURES = (
    "dns:nxdomain",  # the name does not exist (NXDOMAIN)
    "dns:no-answer",  # the name exists but has no address of the type asked (NODATA)
    "dns:refused",  # the resolver refused to answer (REFUSED)
    "dns:servfail",  # the resolver failed (SERVFAIL)
    "dns:bad-answer",  # an answer the client cannot use (another response code)
    "dns:timeout",  # no answer at all
    "dns:reset",  # DNS over HTTPS: the connection to the DoH server was reset
    "dns:eof",  # DNS over HTTPS: the DoH server's connection ended early
    "dns:certificate-hostname",  # DNS over HTTPS: the DoH server's certificate is wrong
    "dns:certificate-authority",
    "dns:certificate-expired",
    "tcp:timeout",  # no answer to the SYN
    "tcp:refused",  # a RST in answer to the SYN
    "tcp:reset",
    "tls:reset",  # a RST during the TLS handshake
    "tls:eof",  # the connection ended (FIN) during the TLS handshake
    "tls:timeout",
    "tls:handshake",  # the server ended the handshake with an alert
    "tls:certificate-hostname",  # the certificate does not name the site
    "tls:certificate-authority",  # no trusted authority signed it
    "tls:certificate-expired",  # outside its validity period (at the world's virtual time)
    "quic:timeout",  # no QUIC handshake (an HTTP/3 client then falls back to TCP)
    "quic:handshake",  # the QUIC handshake was closed with an error
    "quic:closed",  # the QUIC connection was closed before the answer
    "quic:certificate-hostname",
    "quic:certificate-authority",
    "quic:certificate-expired",
    "http:reset",  # a RST while waiting for the answer
    "http:eof",  # the connection ended before the answer was complete
    "http:timeout",
    "http:malformed",  # bytes that are not an HTTP answer
    "http:too-many-redirects",  # more than MAX_REDIRECTS redirects (a loop)
    "http:bad-redirect",  # a redirect without a usable Location
)
MAX_REDIRECTS = 10
CONNECTION_ATTEMPT_DELAY = 0.250  # RFC 8305 section 5: the recommended 250 ms
RESOLUTION_DELAY = 0.050  # RFC 8305 section 3: wait this long for AAAA after A


@dataclass(frozen=True)
class Timeouts:
    """How long each stage may take, in virtual seconds.

    ``dns`` is per attempt (``dns_attempts`` attempts, like a stub resolver), ``connect``
    is one TCP handshake with its SYN retransmissions (each address gets its own),
    ``tls`` the TLS handshake, ``http`` the wait for a complete answer. ``quic`` is how
    long an HTTP/3 client waits for the QUIC handshake before it falls back to TCP.
    """

    dns: float = 5.0
    dns_attempts: int = 2
    connect: float = 15.0
    tls: float = 10.0
    http: float = 15.0
    quic: float = 1.0

    def __post_init__(self) -> None:
        for name in ("dns", "connect", "tls", "http", "quic"):
            check_seconds(getattr(self, name), f"Timeouts.{name}", allow_zero=False)
        n = self.dns_attempts
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10:
            raise ValueError(f"Timeouts.dns_attempts={n!r}: expected a whole number from 1 to 10")


@dataclass(frozen=True)
class Attempt:
    """One connection attempt to one address (Happy Eyeballs makes several)."""

    address: IPAddress
    started: float
    ended: float
    failure: str | None  # None: this attempt won
    detail: str = ""
    transport: str = "tcp"  # or "quic"

    def __repr__(self) -> str:
        outcome = "connected" if self.failure is None else self.failure
        if self.failure == "abandoned":
            outcome = "abandoned (another address won)"
        via = " (QUIC)" if self.transport == "quic" else ""
        return f"<Attempt {self.address}{via} at {self.started:.3f} s: {outcome}>"


@dataclass(frozen=True)
class Redirect:
    """An answer that sent the client elsewhere (kept in ``FetchResult.history``)."""

    url: str
    status: int
    location: str | None
    address: IPAddress | None


@dataclass(frozen=True, repr=False)
class FetchResult:
    """What a fetch returned: success or the stage that failed, and the full trace.

    ``url`` is the URL asked for and ``final_url`` the last one fetched (after
    redirects); ``history`` holds the redirects followed; ``attempts`` the connection
    attempts of the last step (one per address tried).
    """

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
    history: tuple[Redirect, ...] = ()
    attempts: tuple[Attempt, ...] = ()
    final_url: str = ""
    sni: str | None = None  # the server name on the wire (the outer one with ECH)
    ech: bool = False  # whether the ClientHello was encrypted (ECH)
    http_version: str | None = None  # "HTTP/1.1" or "HTTP/3", when an answer came

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


class _Context:
    """What a fetch (or a lookup, a traceroute) and everything it causes runs with."""

    __slots__ = ("what",)

    def __init__(self, what: str):
        self.what = what

    def __repr__(self) -> str:
        return f"<context {self.what}>"


class _StageFailure(Exception):
    def __init__(self, failure: str, detail: str, attempts: tuple = ()):
        super().__init__(detail)
        self.failure, self.detail, self.attempts = failure, detail, attempts


class Cancel:
    """Handed to a transport's ``open``: when the client abandons the attempt (another
    address won), ``cancel()`` runs what the transport registered (closing its socket)."""

    def __init__(self) -> None:
        self.cancelled = False
        self._actions: list = []

    def on_cancel(self, action) -> None:
        self._actions.append(action)

    def cancel(self) -> None:
        if not self.cancelled:
            self.cancelled = True
            for action in self._actions:
                action()


# -- the transport seam ------------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    """One HTTP request, whatever carries it: each channel writes it in its own protocol
    (HTTP/1.1 bytes through h11 on TCP, HTTP/3 frames on QUIC)."""

    method: str
    target: str  # the path, with its query
    host: str  # the Host header, or HTTP/3's :authority
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


class Channel(Protocol):
    """A connection to one address, on which one request can be made."""

    def request(self, request: Request, *, ech=None) -> Generator[Event, object, _Exchange]: ...

    def abandon(self) -> None: ...


class Transport(Protocol):
    """How a client reaches an address: TCP (+TLS), or QUIC (lesson 04).

    ``open`` is the part Happy Eyeballs races (raise :class:`_StageFailure` with a
    ``stage:outcome`` failure); ``channel.request`` does the rest of the exchange.
    """

    name: str

    def open(
        self,
        client: Client,
        address: IPAddress,
        port: int,
        server_name: str,
        secure: bool,
        cancel: Cancel,
    ) -> Generator[Event, object, Channel]: ...


class TCPTransport:
    """TCP, then TLS when ``secure``, then HTTP/1.1."""

    name = "tcp"

    def open(self, client, address, port, server_name, secure, cancel=None):
        t = client.timeouts
        try:
            sock = client._tcp.connect(address, port)
        except OSError as exc:
            raise _StageFailure("tcp:timeout", str(exc)) from None
        if cancel is not None:
            cancel.on_cancel(sock.abort)  # a browser closes the sockets of losing attempts
        try:
            yield from sock.wait_connected(t.connect)
            if cancel is not None and cancel.cancelled:
                raise _StageFailure("abandoned", "another address connected first")
        except TCPError as exc:
            detail = {
                "timeout": f"no answer to SYN from {address}:{port} within {t.connect:g} s",
                "refused": f"{address}:{port} answered the SYN with a RST",
                "reset": f"the connection to {address}:{port} was reset while opening",
            }[exc.kind]
            raise _StageFailure(f"tcp:{exc.kind}", detail) from None
        return _TCPChannel(client, sock, server_name, secure)


class _TCPChannel:
    def __init__(self, client: Client, sock: TCPSocket, server_name: str, secure: bool):
        self.client, self.sock, self.server_name, self.secure = client, sock, server_name, secure

    def abandon(self) -> None:
        self.sock.reset()

    def request(self, request: Request, *, ech=None) -> Generator[Event, object, _Exchange]:
        """TLS if asked, then one HTTP/1.1 request and its response.

        ``server_name`` is what the certificate must match: a host name (also sent as
        SNI) or an address literal (not sent). ``ech`` is the site's ECHConfig: the
        ClientHello is then sealed inside an outer one that names its public name.
        """
        out = _Exchange()
        request = request_bytes(
            request.method, request.target, request.host, list(request.headers), request.body
        )
        try:
            session = (yield from self._handshake(ech)) if self.secure else None
            if session is not None:
                out.tls_version = session.version
                self.sock.send(session.send(request))
            else:
                self.sock.send(request)
            response = yield from self._read(session)
        except _StageFailure as exc:
            out.failure, out.detail = exc.failure, exc.detail
            return out
        out.status = response.status
        out.headers = dict(response.header_map)
        out.body = response.body
        return out

    def _recv(self, deadline: float, stage: str, timeout: float):
        """The next bytes from the server, or a ``stage:`` failure when the connection
        breaks or the deadline passes."""
        try:
            return (yield from self.sock.recv(deadline - self.client.host.internet.now))
        except TCPError as exc:
            self.sock.abort()
            raise _StageFailure(*_broken(stage, exc, timeout)) from None

    def _handshake(self, ech=None):
        client, conn = self.client, self.sock
        internet = client.host.internet
        timeout = client.timeouts.tls
        context = (
            client.ca.client_context(minimum_version=ssl.TLSVersion.TLSv1_3)
            if ech is not None  # ECH's inner hello offers TLS 1.3 only
            else client.ca.client_context()
        )
        session = TLSClientSession(
            context, self.server_name, client._tls_rng, now=internet.epoch + internet.now
        )
        hello = session.start()
        if ech is not None:
            hello = seal_client_hello(hello, ech, rng=client._tls_rng)
        for segment in _cut_hello(hello, client.hello_records, client.split_hello):
            conn.send(segment)  # each call leaves as its own TCP segment
        deadline = internet.loop.deadline(timeout)
        while not session.handshake_done:
            data = yield from self._recv(deadline, "tls", timeout)
            if not data:
                conn.close()
                raise _StageFailure(
                    "tls:eof", "the connection ended (FIN) during the TLS handshake"
                )
            try:
                reply, _ = session.feed(data)
            except TLSError as exc:
                if exc.alert:
                    conn.send(exc.alert)
                conn.close()
                if exc.kind == "certificate":
                    raise _StageFailure(
                        f"tls:certificate-{exc.problem}", f"certificate verification failed: {exc}"
                    ) from None
                raise _StageFailure("tls:handshake", f"TLS handshake failed: {exc}") from None
            if reply:
                conn.send(reply)
        return session

    def _read(self, session):
        conn = self.sock
        timeout = self.client.timeouts.http
        reader = ResponseReader()
        deadline = self.client.host.internet.loop.deadline(timeout)
        while not reader.done:
            data = yield from self._recv(deadline, "http", timeout)
            if not data:
                reader.eof()
                break
            if session is not None:
                try:
                    _, data = session.feed(data)
                except TLSError as exc:
                    conn.abort()
                    raise _StageFailure("http:reset", f"TLS error while reading: {exc}") from None
                reader.feed(data)
                if session.closed:
                    reader.eof()
            else:
                reader.feed(data)
        conn.close()
        if reader.response is None:
            if reader.error and reader.started and "ended before" not in reader.error:
                raise _StageFailure("http:malformed", reader.error)
            raise _StageFailure(
                "http:eof", reader.error or "the connection ended before the HTTP answer came"
            )
        return reader.response


class QUICTransport:
    """QUIC, whose handshake is TLS 1.3 inside it, then HTTP/3 (aioquic, lesson 04).

    ``open`` is the QUIC handshake, within ``timeouts.quic``; ``channel.request`` is one
    HTTP/3 request. Failures are named ``quic:...``; a browser then falls back to TCP.
    Only GET is carried (DNS over HTTPS, a POST, always goes over TCP here).
    """

    name = "quic"

    def open(self, client, address, port, server_name, secure, cancel=None):
        if not secure:
            raise ValueError("QUIC is always encrypted: secure must be True")
        rng = client.host.internet.rng(f"quic:{client.host.name}")
        quic = QuicClient(client.host, address, port, server_name, client.ca, rng)
        if cancel is not None:
            cancel.on_cancel(quic.abort)
        try:
            yield from quic.connect(client.timeouts.quic)
        except QuicFailure as exc:
            raise _StageFailure(_quic_failure(exc), exc.detail) from None
        return _QUICChannel(client, quic)


class _QUICChannel:
    def __init__(self, client: Client, quic: QuicClient):
        self.client, self.quic = client, quic

    def abandon(self) -> None:
        self.quic.abort()

    def request(self, request: Request, *, ech=None) -> Generator[Event, object, _Exchange]:
        if request.method != "GET" or request.body:
            raise ValueError(f"HTTP/3 here carries GET only, not {request.method}")
        if ech is not None:
            raise ValueError("ECH over QUIC is not modelled (lesson 04 says so)")
        try:
            status, headers, body = yield from self.quic.get(
                request.host, request.target, self.client.timeouts.http
            )
        except QuicFailure as exc:
            return _Exchange(_quic_failure(exc), exc.detail)
        return _Exchange(status=status, headers=headers, body=body)


def _quic_failure(exc: QuicFailure) -> str:
    failure = f"quic:{exc.kind}"
    return failure if failure in FAILURES else "quic:handshake"


_WAITING_FOR = {"tls": "TLS handshake answer", "http": "complete HTTP answer"}


def _broken(stage: str, exc: TCPError, timeout: float) -> tuple[str, str]:
    """The failure and its explanation when the connection broke during ``stage``."""
    if exc.kind == "timeout":
        return f"{stage}:timeout", f"no {_WAITING_FOR[stage]} within {timeout:g} s"
    return f"{stage}:reset", f"the connection was reset while waiting for the {_WAITING_FOR[stage]}"


def _cut_hello(hello: bytes, records: int | str | None, segments: int | str | None) -> list[bytes]:
    """The ClientHello as the client sends it: re-framed as two TLS records at ``records``,
    then cut into two TCP segments at ``segments`` (a byte offset of what is sent).

    ``"sni"`` means the middle of the server name *on the wire*: the outer, public name
    with ECH. With both at ``"sni"`` the record boundary and the segment boundary fall at
    the same place of the name, so each segment holds one whole record.
    """
    try:
        name = extract_sni(hello)
    except (Incomplete, MalformedPacket):
        name = None
    where = hello.find(name.encode()) if name else -1
    middle = where + max(1, len(name) // 2) if where >= 0 else None  # 1 record: offsets hold
    record_cut = None  # where the second record's data starts, in the unsplit hello
    if records is not None:
        try:
            framed = split_into_records(hello, records)
        except ValueError:
            framed = hello  # no server name to split at, or an offset past the end
        else:
            record_cut = middle if records == "sni" else 5 + records
    else:
        framed = hello
    at = segments
    if at == "sni":
        if middle is None:
            return [framed]
        at = middle
        if record_cut is not None and at > record_cut:
            at += 5  # the second record's header comes before it
    if at is None or not 0 < at < len(framed):
        return [framed]  # no cut, or an offset past the end of this hello: it leaves whole
    return [framed[:at], framed[at:]]


# -- URLs ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _URL:
    text: str
    scheme: str
    host: str
    port: int
    path: str
    literal: bool

    @property
    def secure(self) -> bool:
        return self.scheme == "https"

    @property
    def host_header(self) -> str:
        default = 443 if self.secure else 80
        host = f"[{self.host}]" if self.literal and ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def _parse_url(url: object) -> _URL:
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
        port = parts.port
    except ValueError:
        raise ValueError(f"{url!r} has an invalid port: expected 1 to 65535") from None
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    elif not 1 <= port <= 65535:
        raise ValueError(f"{url!r} has port {port}: expected 1 to 65535")
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
    return _URL(url, parts.scheme, host, port, path, literal)


def _interleave(addresses: tuple[IPAddress, ...]) -> list[IPAddress]:
    """RFC 8305 section 4: alternate families, IPv6 first."""
    v6 = [a for a in addresses if a.version == 6]
    v4 = [a for a in addresses if a.version == 4]
    out = []
    for i in range(max(len(v6), len(v4))):
        if i < len(v6):
            out.append(v6[i])
        if i < len(v4):
            out.append(v4[i])
    return out


_IP_VERSIONS = {4: (4,), 6: (6,), "dual": (6, 4)}


class Client:
    """A computer that fetches URLs: a subscriber of an ISP, or a vantage point.

    ``resolver`` is ``"isp"`` (the network's resolver), the address of a resolver (plain
    DNS over UDP), or a DNS-over-HTTPS URL such as ``"https://dns.resolver.example/dns-query"``.
    The client keeps its own DNS cache, honouring TTLs, as operating systems and browsers
    do (``flush_dns()`` empties it). ``ip_version`` is 4 (IPv4 only, the default), 6
    (IPv6 only) or ``"dual"`` (both, Happy Eyeballs). ``ca`` is the authority the client
    trusts.

    ``split_hello`` sends the TLS ClientHello in two TCP segments, split at that byte
    offset, or in the middle of the server name with ``"sni"`` (an evasion against
    per-packet SNI filters, lesson 04). ``hello_records`` cuts it into two TLS records
    the same way (against censors that read one record only). A hello that has no server
    name, or is shorter than the offset, leaves whole. With ``ech`` the client
    uses Encrypted Client Hello where a site's HTTPS record offers it, and with ``http3``
    HTTP/3 over QUIC where the record says ``h3``, falling back to TCP when QUIC gets no
    answer within ``timeouts.quic``, as browsers do (lesson 04).
    """

    def __init__(
        self,
        host: Host,
        *,
        ca: CertificateAuthority,
        resolver: str = "isp",
        system_resolver: IPAddress | None = None,
        ip_version: int | str = 4,
        timeouts: Timeouts | None = None,
        dns_cache: bool = True,
        split_hello: int | str | None = None,
        hello_records: int | str | None = None,
        ech: bool = False,
        http3: bool = False,
        transport: Transport | None = None,
        quic_transport: Transport | None = None,
    ):
        self.host = host
        self.ca = ca
        if timeouts is not None and not isinstance(timeouts, Timeouts):
            raise TypeError(f"timeouts={timeouts!r}: expected a cs.Timeouts(...)")
        self.timeouts = timeouts or Timeouts()
        self.cache = DNSCache() if dns_cache else None
        if ip_version not in _IP_VERSIONS:
            raise ValueError(f"ip_version={ip_version!r}: expected 4, 6 or 'dual'")
        self.ip_version = ip_version
        if split_hello is not None and split_hello != "sni":
            if isinstance(split_hello, bool) or not isinstance(split_hello, int) or split_hello < 1:
                raise ValueError(
                    f"split_hello={split_hello!r}: expected a positive byte offset, 'sni' or None"
                )
        self.split_hello = split_hello
        if hello_records is not None and hello_records != "sni":
            if (
                isinstance(hello_records, bool)
                or not isinstance(hello_records, int)
                or hello_records < 1
            ):
                raise ValueError(
                    f"hello_records={hello_records!r}: expected a positive byte offset, 'sni' "
                    "or None"
                )
        self.hello_records = hello_records
        if not isinstance(ech, bool):
            raise TypeError(f"ech={ech!r}: expected True or False")
        self.ech = ech
        if not isinstance(http3, bool):
            raise TypeError(f"http3={http3!r}: expected True or False")
        self.http3 = http3
        self.transport = transport or TCPTransport()
        self.quic_transport = quic_transport or QUICTransport()
        self._tcp = TCPStack.of(host)
        self._tls_rng = host.internet.rng(f"tls:{host.name}")
        self._system_server = system_resolver
        self._resolver_spec = ""
        self._server: IPAddress | None = None
        self._doh: tuple[str, str, IPAddress | None] | None = None
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

        For DNS over HTTPS, ``bootstrap`` is the address of the DoH server. Without it the
        client looks the DoH server's name up with its system resolver first, as browsers
        do, so a resolver that refuses that name breaks DoH. The client's DNS cache is
        emptied, as a browser does when its settings change.
        """
        if self.cache is not None:
            self.cache.clear()
        if not isinstance(resolver, str):
            raise TypeError(f"resolver={resolver!r}: expected 'isp', an address or an https:// URL")
        if resolver == "isp":
            own = getattr(self.host.network, "resolver", None)
            if own is None:
                raise ValueError(
                    f"{self.host.name}'s network {self.host.network.name!r} has no resolver; "
                    "give a resolver address instead"
                )
            self._server, self._doh = own.address, None
            self._system_server = self._system_server or own.address
        elif resolver.startswith("https://"):
            parts = urlsplit(resolver)
            name = normalize_name(parts.hostname or "")
            address = None
            if bootstrap is not None:
                try:
                    address = ipaddress.ip_address(bootstrap)
                except ValueError:
                    raise ValueError(f"bootstrap={bootstrap!r} is not an IP address") from None
            elif self._system_server is None and self._server is None:
                raise ValueError(
                    f"{self.host.name} has no system resolver to look {name!r} up: "
                    "give bootstrap=<address of the DoH server>"
                )
            self._system_server = self._system_server or self._server
            self._server, self._doh = None, (name, parts.path or "/dns-query", address)
        else:
            try:
                self._server = ipaddress.ip_address(resolver)
            except ValueError:
                raise ValueError(
                    f"resolver {resolver!r} is not 'isp', an IP address or an https:// DoH URL"
                ) from None
            self._doh = None
            self._system_server = self._system_server or self._server
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
        wait = check_seconds(wait, "wait")
        if not isinstance(rdtype, str):
            raise TypeError(f"rdtype={rdtype!r}: expected a record type such as 'A'")
        try:
            code = dns.rdatatype.from_text(rdtype)
        except dns.rdatatype.UnknownRdatatype:
            raise ValueError(f"rdtype {rdtype!r} is not a DNS record type such as 'A'") from None
        if code not in SERVED_TYPES:
            raise ValueError(
                f"rdtype {rdtype!r}: the simulated DNS serves 'A', 'AAAA' and 'HTTPS' only"
            )
        internet = self.host.internet
        context = _Context(f"resolve {name}")
        with Recording(internet, self.host.name, context=context) as rec:
            lookup = internet.run(self._lookup(name, code, wait=wait), context=context)
        return replace(lookup, trace=rec.trace)

    def fetch(self, url: str, *, front: str | None = None) -> FetchResult:
        """Fetch ``url`` through the simulated network; returns a :class:`FetchResult`.

        ``front`` is *domain fronting* (lesson 04): connect to the addresses of that
        other name, and name it in the SNI (and check its certificate), but ask for the
        URL's host in the encrypted ``Host`` header. It works where one CDN serves both
        names and routes by ``Host``; a censor sees only the front.
        """
        parsed = _parse_url(url)
        if front is not None:
            front = normalize_name(front)
        internet = self.host.internet
        start = internet.now
        context = _Context(f"fetch {url}")
        with Recording(internet, self.host.name, context=context) as rec:
            fields = internet.run(self._fetch(parsed, front), context=context)
        return FetchResult(url=url, started=start, trace=rec.trace, **fields)

    def traceroute(
        self,
        target: str,
        *,
        proto: str = "tcp",
        port: int | None = None,
        payload: bytes | str | None = None,
        server_name: str | None = None,
        max_ttl: int = 30,
        timeout: float = 2.0,
    ) -> TracerouteResult:
        """Send probes with TTL 1, 2, 3... to ``target`` (a name or an address) and report
        who answered each: routers (ICMP time exceeded), the destination, or a censor.

        ``proto`` is ``"tcp"`` (SYN probes, or ``payload`` on an established connection)
        or ``"udp"``. ``payload`` is bytes, ``"tls"`` (a ClientHello naming
        ``server_name``, by default ``target``) or ``"http"`` (a GET with that Host).
        """
        return _run_traceroute(
            self, target, proto=proto, port=port, payload=payload, server_name=server_name,
            max_ttl=max_ttl, timeout=timeout,
        )  # fmt: skip

    # -- the process ---------------------------------------------------------------------
    def _fetch(self, url: _URL, front: str | None = None) -> Generator[Event, object, dict]:
        loop = self.host.internet.loop
        start = loop.now
        history: list[Redirect] = []
        while True:
            step = yield from self._fetch_one(url, front)
            front = None  # a redirect goes where it says
            status = step["status"]
            location = step["headers"].get("location") if step["failure"] is None else None
            if step["failure"] is not None or status is None or not 300 <= status < 400:
                break
            if status not in (301, 302, 303, 307, 308):
                break
            history.append(Redirect(url.text, status, location, step["address"]))
            try:
                if not location:
                    raise ValueError(f"a {status} answer without a Location header")
                url = _parse_url(urljoin(url.text, location))
            except ValueError as exc:
                step.update(failure="http:bad-redirect", detail=f"cannot follow redirect: {exc}")
                break
            if len(history) > MAX_REDIRECTS:
                step.update(
                    failure="http:too-many-redirects",
                    detail=f"stopped after {MAX_REDIRECTS} redirects (last to {location})",
                )
                break
        status = step["status"]
        step.update(
            ok=step["failure"] is None and status is not None and 200 <= status < 300,
            elapsed=round(loop.now - start, 9),
            history=tuple(history),
            final_url=url.text,
        )
        return step

    def _fetch_one(self, url: _URL, front: str | None = None) -> Generator[Event, object, dict]:
        result = dict(
            ok=False,
            status=None,
            failure=None,
            detail="",
            body="",
            headers={},
            address=None,
            dns=None,
            tls_version=None,
            attempts=(),
            sni=None,
            ech=False,
        )
        loop = self.host.internet.loop
        https_record = None
        if (self.ech or self.http3) and url.secure and not url.literal and front is None:
            # browsers ask for the HTTPS record beside the addresses (RFC 9460)
            https_record = loop.process(self._lookup(url.host, dns.rdatatype.HTTPS))
        if url.literal:
            addresses: tuple[IPAddress, ...] = (ipaddress.ip_address(url.host),)
        else:
            lookup = yield from self._lookup_addresses(front or url.host)
            result["dns"] = lookup
            if lookup.failure:
                result.update(failure=lookup.failure, detail=lookup.detail or _dns_detail(lookup))
                return result
            addresses = lookup.addresses
        usable = tuple(a for a in addresses if self._can_reach(a))
        if not usable:
            families = "/".join(f"IPv{v}" for v in _IP_VERSIONS[self.ip_version])
            result.update(
                failure="tcp:timeout",
                detail=f"no {families} address among {', '.join(map(str, addresses))}",
            )
            return result
        request = Request("GET", url.path, url.host_header)
        ech = None
        h3 = False
        if https_record is not None:
            if not https_record.triggered:
                yield https_record
            ech = _ech_config(https_record.value) if self.ech else None
            h3 = self.http3 and _offers_h3(https_record.value)
        tls_name = front or url.host
        quic_attempts: tuple[Attempt, ...] = ()
        if h3:
            answer, quic_attempts = yield from self._http3(_interleave(usable)[0], url, request)
            if answer is not None:
                result.update(
                    status=answer.status,
                    headers=answer.headers,
                    body=answer.body.decode("utf-8", "replace"),
                    address=quic_attempts[0].address,
                    attempts=quic_attempts,
                    sni=url.host,
                    http_version="HTTP/3",
                )
                return result
        try:
            channel, attempts = yield from self._connect(_interleave(usable), url, tls_name)
        except _StageFailure as exc:
            attempts = quic_attempts + tuple(exc.attempts)
            result.update(failure=exc.failure, detail=exc.detail, attempts=attempts)
            return result
        winner = next(a for a in attempts if a.failure is None)
        result.update(address=winner.address, attempts=quic_attempts + tuple(attempts))
        if url.secure:
            sni = None if url.literal and front is None else tls_name
            result.update(sni=ech.public_name if ech is not None else sni, ech=ech is not None)
        exchange = yield from channel.request(request, ech=ech)
        result.update(
            status=exchange.status,
            failure=exchange.failure,
            detail=exchange.detail,
            body=exchange.body.decode("utf-8", "replace"),
            headers=exchange.headers,
            tls_version=exchange.tls_version,
            http_version="HTTP/1.1" if exchange.status is not None else None,
        )
        return result

    def _http3(self, address: IPAddress, url: _URL, request: Request):
        """Try HTTP/3 over QUIC to ``address``, through :attr:`quic_transport`:
        ``(exchange or None, (attempt,))``. A QUIC handshake that fails or gets no answer
        within ``timeouts.quic``, or a request that fails on it, means: use TCP.

        A simplification: Chrome races QUIC against TCP and remembers which won; this
        client tries QUIC once, on the first address, then TCP with Happy Eyeballs."""
        loop = self.host.internet.loop
        started = loop.now
        try:
            channel = yield from self.quic_transport.open(
                self, address, url.port, url.host, True, Cancel()
            )
        except _StageFailure as exc:
            return None, (Attempt(address, started, loop.now, exc.failure, exc.detail, "quic"),)
        exchange = yield from channel.request(request)
        if exchange.failure is not None:
            attempt = Attempt(address, started, loop.now, exchange.failure, exchange.detail, "quic")
            return None, (attempt,)
        return exchange, (Attempt(address, started, loop.now, None, "", "quic"),)

    def _can_reach(self, address: IPAddress) -> bool:
        if address.version == 4 and address.is_loopback or address == ipaddress.ip_address("::1"):
            return True
        return any(a.version == address.version for a in self.host.addresses)

    def _connect(self, addresses: list[IPAddress], url: _URL, tls_name: str):
        """Happy Eyeballs (RFC 8305 section 5): staggered attempts, the first to connect
        wins and the others are abandoned. Returns ``(channel, attempts)``; raises
        :class:`_StageFailure` when every attempt failed."""
        loop = self.host.internet.loop
        transport = self.transport
        records: list[dict] = []
        pending = list(addresses)
        state: dict = {"winner": None, "running": 0, "wake": Event(loop)}

        def attempt(record: dict):
            try:
                channel = yield from transport.open(
                    self, record["address"], url.port, tls_name, url.secure, record["cancel"]
                )
            except _StageFailure as exc:
                record.update(ended=loop.now, failure=exc.failure, detail=exc.detail)
            else:
                record.update(ended=loop.now, channel=channel)
                if state["winner"] is None:
                    state["winner"] = record
                    record["failure"] = None
                else:
                    record["failure"] = "abandoned"
                    channel.abandon()
            state["running"] -= 1
            state["wake"].succeed()

        def start_next() -> None:
            record = dict(
                address=pending.pop(0), started=loop.now, ended=None, failure="pending",
                detail="", channel=None, cancel=Cancel(),
            )  # fmt: skip
            records.append(record)
            state["running"] += 1
            loop.process(attempt(record))

        start_next()
        while state["winner"] is None and (pending or state["running"]):
            state["wake"] = wake = Event(loop)
            if pending:
                timer = loop.timeout(CONNECTION_ATTEMPT_DELAY)
                yield first_of(loop, wake, timer)
                timer.cancel()
                if state["winner"] is None and pending:
                    start_next()  # the delay passed, or an attempt failed: the next address
            else:
                yield wake
        winner = state["winner"]
        for record in records:
            if record["failure"] == "pending":  # still waiting: abandon it
                record.update(ended=loop.now, failure="abandoned")
                record["cancel"].cancel()
        done = tuple(
            Attempt(r["address"], r["started"], r["ended"], r["failure"], r["detail"])
            for r in records
        )
        if winner is None:
            last = max(records, key=lambda r: r["ended"])
            detail = last["detail"]
            if len(records) > 1:
                detail = f"{len(records)} addresses tried, all failed; the last: {detail}"
            raise _StageFailure(last["failure"], detail, done)
        return winner["channel"], done

    # -- DNS -----------------------------------------------------------------------------
    def _lookup_addresses(self, name: str) -> Generator[Event, object, DNSLookup]:
        versions = _IP_VERSIONS[self.ip_version]
        if len(versions) == 1:
            rdtype = dns.rdatatype.AAAA if versions[0] == 6 else dns.rdatatype.A
            return (yield from self._lookup(name, rdtype))
        # dual stack: AAAA and A at once, AAAA first (RFC 8305 3). When the A answer comes
        # first with addresses, wait at most the Resolution Delay for AAAA; when AAAA comes
        # first, wait for A too (a simplification: RFC 8305 would start connecting at once)
        loop = self.host.internet.loop
        aaaa = loop.process(self._lookup(name, dns.rdatatype.AAAA))
        a = loop.process(self._lookup(name, dns.rdatatype.A))
        which, _ = yield first_of(loop, aaaa, a)
        if which == 0:
            if not a.triggered:
                yield a
        elif not aaaa.triggered:
            if a.value.addresses:
                timer = loop.timeout(RESOLUTION_DELAY)
                yield first_of(loop, aaaa, timer)
                timer.cancel()
            else:
                yield aaaa
        return _merge(name, aaaa.value if aaaa.triggered else None, a.value)

    def _lookup(self, name: str, rdtype: int, wait: float = 0.0):
        now = self.host.internet.now
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
                self.host.internet.now,
                dns.rcode.from_text(lookup.rcode),
                lookup.addresses,
                lookup.ttl,
            )
        return lookup

    def _doh_address(self, doh_name: str) -> Generator[Event, object, IPAddress | DNSLookup]:
        """The DoH server's address: given, cached, or looked up with the system resolver."""
        _, _, given = self._doh
        if given is not None:
            return given
        versions = _IP_VERSIONS[self.ip_version]
        rdtype = dns.rdatatype.AAAA if versions[0] == 6 else dns.rdatatype.A
        if self.cache is not None:
            hit = self.cache.get(doh_name, rdtype, self.host.internet.now)
            if hit is not None and hit[1]:
                return hit[1][0]
        t = self.timeouts
        lookup = yield from udp_lookup(
            self.host, self._system_server, doh_name, rdtype, timeout=t.dns, attempts=t.dns_attempts
        )
        if lookup.failure or not lookup.addresses:
            return lookup
        if self.cache is not None and lookup.ttl:
            self.cache.put(
                doh_name,
                rdtype,
                self.host.internet.now,
                dns.rcode.NOERROR,
                lookup.addresses,
                lookup.ttl,
            )
        return lookup.addresses[0]

    def _doh_lookup(self, name: str, rdtype: int):
        doh_name, path, _ = self._doh
        rdtext = dns.rdatatype.to_text(rdtype)
        server = f"https://{doh_name}{path}"
        address = yield from self._doh_address(doh_name)
        if isinstance(address, DNSLookup):
            failure = address.failure or "dns:nxdomain"
            detail = (
                f"could not look up the DNS-over-HTTPS server {doh_name!r} with the system "
                f"resolver {self._system_server}: {failure}"
            )
            return DNSLookup(name, rdtext, server, None, (), None, failure, detail=detail)
        query = dns.message.make_query(name, rdtype, id=0)  # RFC 8484 4.1: ID 0 for caching
        wire = query.to_wire()
        request = Request(
            "POST",
            path,
            doh_name,
            (("Content-Type", "application/dns-message"), ("Accept", "application/dns-message")),
            wire,
        )
        try:
            channel = yield from self.transport.open(self, address, 443, doh_name, True, Cancel())
            exchange = yield from channel.request(request)
        except _StageFailure as exc:
            exchange = _Exchange(exc.failure, exc.detail)
        if exchange.failure is not None:
            kind = _doh_failure(exchange.failure)
            detail = f"DNS over HTTPS to {address}: {exchange.failure} ({exchange.detail})"
            return DNSLookup(name, rdtext, server, None, (), None, kind, detail=detail)
        if exchange.status != 200:
            detail = f"DNS over HTTPS answered HTTP {exchange.status}"
            return DNSLookup(name, rdtext, server, None, (), None, "dns:refused", detail=detail)
        try:
            message = parse_dns(exchange.body)
        except MalformedPacket as exc:
            detail = f"DNS over HTTPS answer is not DNS: {exc}"
            return DNSLookup(name, rdtext, server, None, (), None, "dns:bad-answer", detail=detail)
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


def _ech_config(lookup: DNSLookup):
    """The first ECHConfig of an HTTPS record lookup, or None (no record, no ech key)."""
    if lookup.failure or not lookup.addresses:
        return None
    for record in lookup.addresses:
        param = getattr(record, "params", {}).get(dns.rdtypes.svcbbase.ParamKey.ECH)
        if param is None:
            continue
        try:
            configs = parse_ech_config_list(param.ech)
        except ValueError:
            continue  # a list we cannot read: connect without ECH, as browsers do
        if configs:
            return configs[0]
    return None


def _offers_h3(lookup: DNSLookup) -> bool:
    """Whether an HTTPS record lookup says the site speaks HTTP/3 (``alpn`` holds h3)."""
    if lookup.failure:
        return False
    for record in lookup.addresses:
        alpn = getattr(record, "params", {}).get(dns.rdtypes.svcbbase.ParamKey.ALPN)
        if alpn is not None and b"h3" in alpn.ids:
            return True
    return False


def _doh_failure(failure: str) -> str:
    """A DoH transport failure as a ``dns:`` one: what broke the connection to the
    DoH server (a timeout, a reset, an early end, a certificate)."""
    outcome = failure.split(":", 1)[1]
    if outcome == "refused":
        return "dns:reset"  # a RST in answer to the SYN: the DoH server is unreachable
    if outcome in ("reset", "eof", "timeout") or outcome.startswith("certificate-"):
        return f"dns:{outcome}"
    return "dns:bad-answer"


def _merge(name: str, six: DNSLookup | None, four: DNSLookup) -> DNSLookup:
    """One lookup for a dual-stack client: IPv6 and IPv4 addresses together."""
    parts = [lk for lk in (six, four) if lk is not None]
    addresses = tuple(a for lk in parts for a in lk.addresses)
    if addresses:
        ttls = [lk.ttl for lk in parts if lk.addresses and lk.ttl is not None]
        return replace(
            four if four.addresses else six,
            rdtype="AAAA+A",
            addresses=addresses,
            ttl=min(ttls) if ttls else None,
            failure=None,
            rcode="NOERROR",
        )
    return replace(four, rdtype="AAAA+A")


def _dns_detail(lookup: DNSLookup) -> str:
    if lookup.failure == "dns:timeout":
        return f"no DNS answer from {lookup.server}"
    return f"{lookup.server} answered {lookup.rcode}"


# -- traceroute ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hop:
    """What came back for the probe with one TTL.

    ``kind``: ``"time-exceeded"`` (a router said the TTL ran out), ``"answer"`` (the
    destination answered as it should), ``"reset"`` (a RST came back), ``"unreachable"``
    (an ICMP destination unreachable), or ``"none"`` (nothing within the timeout).
    """

    ttl: int
    kind: str
    address: IPAddress | None
    name: str | None
    rtt: float | None
    detail: str = ""

    def __repr__(self) -> str:
        who = f"{self.name} ({self.address})" if self.name else str(self.address or "*")
        rtt = f" {self.rtt * 1000:.1f} ms" if self.rtt is not None else ""
        return f"<Hop {self.ttl}: {self.kind} from {who}{rtt}>"


@dataclass(frozen=True)
class TracerouteResult:
    """The hops of a traceroute, and where the probes stopped meeting routers."""

    target: str
    address: IPAddress
    proto: str
    port: int
    payload: bytes | None
    hops: tuple[Hop, ...]
    note: str = ""
    trace: Trace | None = field(default=None, compare=False, repr=False)

    @property
    def reached(self) -> bool:
        """Whether the destination answered."""
        return any(h.kind == "answer" for h in self.hops)

    @property
    def blocked_at(self) -> int | None:
        """The first TTL whose probe met neither a router's ICMP nor the destination's
        answer (a reset, silence, an unreachable), when no later probe did better: where a
        censor acts on these probes. None when the destination answered."""
        if self.reached:
            return None
        for hop in self.hops:
            if hop.kind != "time-exceeded":
                return hop.ttl
        return None

    @property
    def last_router(self) -> Hop | None:
        """The last hop that answered with time exceeded before :attr:`blocked_at`."""
        stop = self.blocked_at
        routers = [
            h for h in self.hops if h.kind == "time-exceeded" and (stop is None or h.ttl < stop)
        ]
        return routers[-1] if routers else None

    def summary(self) -> str:
        lines = [f"traceroute to {self.target} ({self.address}), {self.proto} port {self.port}"]
        for h in self.hops:
            who = f"{h.name} ({h.address})" if h.name else (str(h.address) if h.address else "*")
            rtt = f"{h.rtt * 1000:7.1f} ms" if h.rtt is not None else "      *   "
            lines.append(f"{h.ttl:3d}  {rtt}  {h.kind:<14} {who}  {h.detail}".rstrip())
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _probe_answer(packet: Packet, probe: Packet) -> bool:
    """Whether an ICMP error quotes ``probe`` (same addresses, protocol and ports)."""
    quoted = packet.quoted()
    return (
        quoted is not None
        and quoted.proto == probe.proto
        and quoted.src == probe.src
        and quoted.dst == probe.dst
        and quoted.sport == probe.sport
        and quoted.dport == probe.dport
    )


def _run_traceroute(
    client: Client,
    target: str,
    *,
    proto: str,
    port: int | None,
    payload: bytes | str | None,
    server_name: str | None,
    max_ttl: int,
    timeout: float,
) -> TracerouteResult:
    if proto not in ("tcp", "udp"):
        raise ValueError(f"proto={proto!r}: expected 'tcp' or 'udp'")
    if isinstance(max_ttl, bool) or not isinstance(max_ttl, int) or not 1 <= max_ttl <= 255:
        raise ValueError(f"max_ttl={max_ttl!r}: expected a whole number from 1 to 255")
    timeout = check_seconds(timeout, "timeout", allow_zero=False)
    if port is not None and (
        isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535
    ):
        raise ValueError(f"port={port!r}: expected a port number from 1 to 65535")
    if not isinstance(target, str):
        raise TypeError(f"target={target!r}: expected a host name or an address as a str")
    try:
        address = ipaddress.ip_address(target)
        name = server_name
    except ValueError:
        name = server_name or normalize_name(target)
        address = None
    if isinstance(payload, str):
        if payload == "tls":
            session = TLSClientSession(client.ca.client_context(), name, client._tls_rng)
            data = session.start()
        elif payload == "http":
            data = request_bytes("GET", "/", name or str(address))
        else:
            raise ValueError(f"payload={payload!r}: expected bytes, 'tls', 'http' or None")
    elif payload is None or isinstance(payload, bytes | bytearray):
        data = bytes(payload) if payload is not None else None
    else:
        raise TypeError(f"payload={payload!r}: expected bytes, 'tls', 'http' or None")
    if port is None:
        port = (80 if payload == "http" else 443) if proto == "tcp" else 33434
    internet = client.host.internet
    context = _Context(f"traceroute {target}")
    with Recording(internet, client.host.name, context=context) as rec:
        if address is None:
            versions = _IP_VERSIONS[client.ip_version]
            rdtype = dns.rdatatype.AAAA if versions[0] == 6 else dns.rdatatype.A
            lookup = internet.run(client._lookup(name, rdtype), context=context)
            if lookup.failure or not lookup.addresses:
                return TracerouteResult(
                    target, None, proto, port, data, (),
                    note=f"cannot resolve {target!r}: {lookup.failure or 'no address'}",
                    trace=rec.trace,
                )  # fmt: skip
            address = lookup.addresses[0]
        probes = _probes(client, address, proto, port, data, max_ttl, timeout)
        hops, note = internet.run(probes, context=context)
    return TracerouteResult(target, address, proto, port, data, tuple(hops), note, rec.trace)


def _probes(client: Client, address, proto, port, payload, max_ttl, timeout):
    """The traceroute process: one probe per TTL, raw packets through a tap (as a raw
    socket would), so the host's TCP stack never answers for them."""
    host = client.host
    internet = host.internet
    local = host.address_for(address)
    isn_rng = internet.rng(f"traceroute:{host.name}")
    hops: list[Hop] = []
    note = ""
    for ttl in range(1, max_ttl + 1):
        sport = host.ephemeral_port()
        box: dict = {}

        def tap(p: Packet, box=box, sport=sport) -> bool:
            if p.proto == "icmp":
                probe = box.get("probe")
                if probe is None or not _probe_answer(p, probe):
                    return False
                box.setdefault("icmp", p)
            elif p.src == address and p.dport == sport and p.sport == port and p.proto == proto:
                box.setdefault("replies", []).append(p)
            else:
                return False
            waiter = box.pop("wake", None)
            if waiter is not None:
                waiter.succeed()
            return True

        host.add_tap(tap)
        try:
            hop, stop, why = yield from _one_probe(
                host, local, address, proto, port, payload, ttl, sport, timeout, box, isn_rng
            )
        finally:
            host.remove_tap(tap)
        hops.append(hop)
        if why:
            note = why
        if stop:
            break
    return hops, note


def _one_probe(host, local, address, proto, port, payload, ttl, sport, timeout, box, rng):
    internet = host.internet
    loop = internet.loop
    start = loop.now
    ident = host.next_ident

    def name_of(addr):
        router = internet.router_at(addr)
        if router is not None:
            return router.name
        h = internet.host_at(addr)
        return h.name if h is not None else None

    def first_reply(test):
        """Wait for the first reply satisfying ``test`` (or ICMP); None on timeout."""
        deadline = loop.deadline(timeout)
        while True:
            icmp = box.get("icmp")
            if icmp is not None:
                return icmp
            for p in box.get("replies", ()):
                if test(p):
                    return p
            remaining = loop.remaining(deadline)
            if remaining <= 0:
                return None
            ev = Event(loop)
            box["wake"] = ev
            timer = loop.timeout(remaining)
            yield first_of(loop, ev, timer)
            timer.cancel()

    def v4ident():
        return ident() if local.version == 4 else 0

    def send(**fields) -> Packet:
        p = Packet(local, address, proto, sport, port, ident=v4ident(), **fields)
        host.send(p)
        return p

    def icmp_hop(icmp: Packet) -> Hop:
        kind = "time-exceeded" if icmp.icmp_kind == "time-exceeded" else "unreachable"
        if kind == "unreachable" and icmp.src == address:
            kind = "answer"  # the destination itself: nothing listens there, but reached
        return Hop(
            ttl, kind, icmp.src, name_of(icmp.src), round(loop.now - start, 9), icmp.icmp_kind
        )

    if proto == "udp":
        box["probe"] = send(payload=payload if payload is not None else bytes(32), ttl=ttl)
        reply = yield from first_reply(lambda p: True)
        if reply is None:
            return Hop(ttl, "none", None, None, None), False, ""
        if reply.proto == "icmp":
            hop = icmp_hop(reply)
            return hop, hop.kind == "answer", ""
        return (
            Hop(
                ttl,
                "answer",
                reply.src,
                name_of(reply.src),
                round(loop.now - start, 9),
                "UDP reply",
            ),
            True,
            "",
        )

    isn = rng.getrandbits(32)
    if payload is None:
        box["probe"] = send(flags="S", seq=isn, mss=1460 if local.version == 4 else 1440, ttl=ttl)
        reply = yield from first_reply(lambda p: "S" in p.flags or "R" in p.flags)
        if reply is None:
            return Hop(ttl, "none", None, None, None), False, ""
        if reply.proto == "icmp":
            return icmp_hop(reply), False, ""
        rtt = round(loop.now - start, 9)
        if "R" in reply.flags:
            return Hop(ttl, "reset", reply.src, name_of(reply.src), rtt, "RST"), True, ""
        send(flags="R", seq=(isn + 1) % 2**32)  # as tcptraceroute does: close at once
        return Hop(ttl, "answer", reply.src, name_of(reply.src), rtt, "SYN-ACK"), True, ""
    # with a payload: a handshake at full TTL, then the payload with TTL = ttl
    send(flags="S", seq=isn, mss=1460 if local.version == 4 else 1440)
    synack = yield from first_reply(lambda p: "S" in p.flags or "R" in p.flags)
    rtt = round(loop.now - start, 9)
    if synack is None or synack.proto == "icmp" or "R" in synack.flags:
        kind = "none" if synack is None else ("reset" if synack.proto == "tcp" else "unreachable")
        why = (
            "the TCP handshake itself failed: something blocks the address, not the payload "
            "(try payload=None)"
        )
        who = None if synack is None else synack.src
        return (
            Hop(ttl, kind, who, name_of(who) if who else None, rtt if who else None, "handshake"),
            True,
            why,
        )
    box["replies"] = []
    server_isn = synack.seq
    mine = (isn + 1) % 2**32
    theirs = (server_isn + 1) % 2**32
    send(flags="A", seq=mine, ack=theirs)
    box["probe"] = send(flags="PA", seq=mine, ack=theirs, payload=payload, ttl=ttl)
    end = (mine + len(payload)) % 2**32
    reply = yield from first_reply(
        lambda p: "R" in p.flags or bool(p.payload) or (p.ack - end) % 2**32 < 2**31
    )
    send(flags="R", seq=end)  # tear the connection down
    if reply is None:
        return Hop(ttl, "none", None, None, None), False, ""
    if reply.proto == "icmp":
        return icmp_hop(reply), False, ""
    rtt = round(loop.now - start, 9)
    if "R" in reply.flags:
        return Hop(ttl, "reset", reply.src, name_of(reply.src), rtt, "RST"), True, ""
    return Hop(ttl, "answer", reply.src, name_of(reply.src), rtt, describe(reply)), True, ""

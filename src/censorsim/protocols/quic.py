"""QUIC and HTTP/3 through aioquic: endpoints without I/O, driven on the host's clock (lesson 04).

Theory of operation
-------------------
QUIC (RFC 9000) carries HTTP/3 (RFC 9114) over UDP, port 443, with TLS 1.3 inside it
(RFC 9001): the ClientHello travels in the client's *Initial* packets, encrypted with keys
that anyone can derive from the packet (so a censor reads the server name, see
:func:`censorsim.wire.extract_quic_sni`). Browsers learn that a site speaks HTTP/3 from
its DNS HTTPS record (``alpn="h3"``, RFC 9460) or an ``Alt-Svc`` header, try QUIC, and
fall back to TCP when QUIC gets no answer (lesson 04 shows a censor that blocks UDP 443,
and one that forgot to read QUIC at all).

Both ends are ``aioquic``'s :class:`~aioquic.quic.connection.QuicConnection` and
:class:`~aioquic.h3.connection.H3Connection`, which take datagrams and the time and hand
back datagrams to send and events, as the TCP machine of :mod:`censorsim.protocols.tcp`
does; :class:`QuicEndpoint` binds one to a UDP port of a host and keeps its timer on the
virtual clock. The TLS inside QUIC is aioquic's own (a Python TLS 1.3), not OpenSSL.

Determinism. aioquic draws connection IDs and TLS randoms from ``os.urandom``, makes key
shares with ``cryptography``'s random generators, signs with random ECDSA nonces, and
checks certificates against the machine's clock. While the simulator drives an aioquic
object (under the same process-wide lock as OpenSSL's random switch,
:mod:`censorsim.protocols.tls`), those five things are routed to the world's seeded
generator, to deterministic ECDSA (RFC 6979) and to the world's virtual time, by
replacing names in aioquic's modules with stand-ins that behave exactly as the originals
whenever no simulation is running. The same seed therefore gives the same QUIC bytes.
Certificates are checked as the TCP path checks them (authority, then validity period,
then name), so a QUIC failure names the same three problems.

Simplifications, stated: no 0-RTT, no session resumption, no connection migration, no
Retry; a server demultiplexes connections by the client's address and port; HTTP/3 is
one GET per connection, as the TCP path's one request per connection.
"""

from __future__ import annotations

import datetime
import logging
import math
import os
import random
import ssl
import types
from collections.abc import Callable, Generator

logging.getLogger("quic").addHandler(logging.NullHandler())  # never on stderr
logging.getLogger("quic").setLevel(logging.CRITICAL)

import aioquic.quic.connection as _aq_connection  # noqa: E402
import aioquic.quic.packet as _aq_packet  # noqa: E402
import aioquic.tls as _aq_tls  # noqa: E402
from aioquic.buffer import Buffer  # noqa: E402
from aioquic.h3 import events as h3_events  # noqa: E402
from aioquic.h3.connection import H3_ALPN, H3Connection  # noqa: E402
from aioquic.quic import events as quic_events  # noqa: E402
from aioquic.quic.configuration import QuicConfiguration  # noqa: E402
from aioquic.quic.connection import QuicConnection  # noqa: E402
from aioquic.quic.packet import pull_quic_header  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, x448, x25519  # noqa: E402

from censorsim.core.clock import Event, Timer, first_of  # noqa: E402
from censorsim.core.net import Host  # noqa: E402
from censorsim.protocols.tls import _RANDOM, CertificateAuthority  # noqa: E402
from censorsim.wire import IPAddress, Packet  # noqa: E402
from censorsim.wire.quic import extract_quic_sni  # noqa: E402

__all__ = ["QuicEndpoint", "QuicClient", "QuicServer", "QuicFailure", "H3_ALPN"]


# -- aioquic, made deterministic while a simulation drives it -------------------------------
class _Active:
    rng: random.Random | None = None
    now: float | None = None  # POSIX seconds, the world's virtual time
    problem: str | None = None  # the certificate problem our check found last


_ACTIVE = _Active()
_real_urandom = os.urandom


def _urandom(n: int) -> bytes:
    rng = _ACTIVE.rng
    return rng.randbytes(n) if rng is not None else _real_urandom(n)


class _X25519PrivateKey:
    @staticmethod
    def generate():
        rng = _ACTIVE.rng
        if rng is None:
            return x25519.X25519PrivateKey.generate()
        return x25519.X25519PrivateKey.from_private_bytes(rng.randbytes(32))

    from_private_bytes = staticmethod(x25519.X25519PrivateKey.from_private_bytes)


class _X448PrivateKey:
    @staticmethod
    def generate():
        rng = _ACTIVE.rng
        if rng is None:
            return x448.X448PrivateKey.generate()
        return x448.X448PrivateKey.from_private_bytes(rng.randbytes(56))

    from_private_bytes = staticmethod(x448.X448PrivateKey.from_private_bytes)


def _generate_ec_key(curve, *args):
    rng = _ACTIVE.rng
    if rng is None:
        return ec.generate_private_key(curve, *args)
    order = {"secp256r1": 2**256, "secp384r1": 2**384, "secp521r1": 2**521}[curve.name]
    return ec.derive_private_key(rng.randrange(1, order // 2), curve)


class _Forward(types.SimpleNamespace):
    """A stand-in module: the given names, and everything else from the real module."""

    def __init__(self, real, **names):
        super().__init__(**names)
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)


_real_signature_params = _aq_tls.signature_algorithm_params
_real_verify = _aq_tls.verify_certificate
_real_utcnow = _aq_tls.utcnow


def _signature_params(signature_algorithm: int) -> tuple:
    params = _real_signature_params(signature_algorithm)
    if _ACTIVE.rng is not None and len(params) == 1 and isinstance(params[0], ec.ECDSA):
        return (ec.ECDSA(params[0].algorithm, deterministic_signing=True),)
    return params


def _utcnow() -> datetime.datetime:
    if _ACTIVE.now is None:
        return _real_utcnow()
    return datetime.datetime.fromtimestamp(_ACTIVE.now, datetime.UTC)


def _verify(certificate, chain=(), server_name=None, cadata=None, cafile=None, capath=None):
    """aioquic's certificate check, against the world's time and the world's CA, naming
    the problem as the TCP path does (authority, then validity, then name)."""
    if _ACTIVE.now is None:
        return _real_verify(certificate, list(chain), server_name, cadata, cafile, capath)
    roots = x509.load_pem_x509_certificates(cadata) if cadata else []
    signed = False
    for root in roots:
        if certificate.issuer != root.subject:
            continue
        try:
            root.public_key().verify(
                certificate.signature,
                certificate.tbs_certificate_bytes,
                ec.ECDSA(certificate.signature_hash_algorithm or hashes.SHA256()),
            )
            signed = True
        except Exception:  # noqa: BLE001 - any failure means: not signed by this root
            continue
    if not signed:
        _ACTIVE.problem = "authority"
        raise _aq_tls.AlertBadCertificate("unable to get local issuer certificate")
    now = _utcnow()
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        _ACTIVE.problem = "expired"
        raise _aq_tls.AlertCertificateExpired("certificate has expired")
    if server_name is not None:
        try:
            names = certificate.extensions.get_extension_for_class(
                x509.SubjectAlternativeName
            ).value.get_values_for_type(x509.DNSName)
        except x509.ExtensionNotFound:
            names = []
        if server_name.lower() not in [n.lower() for n in names]:
            _ACTIVE.problem = "hostname"
            raise _aq_tls.AlertBadCertificate(f"hostname {server_name!r} doesn't match {names}")


_shim_os = _Forward(os, urandom=_urandom)
_aq_tls.os = _shim_os
_aq_connection.os = _shim_os
_aq_packet.os = _shim_os
_aq_tls.x25519 = _Forward(x25519, X25519PrivateKey=_X25519PrivateKey)
_aq_tls.x448 = _Forward(x448, X448PrivateKey=_X448PrivateKey)
_aq_tls.ec = _Forward(ec, generate_private_key=_generate_ec_key)
_aq_tls.signature_algorithm_params = _signature_params
_aq_tls.verify_certificate = _verify
_aq_tls.utcnow = _utcnow


class _Driving:
    """``with _Driving(rng, now):`` aioquic runs on the world's randomness and time."""

    __slots__ = ("rng", "now", "_outer")

    def __init__(self, rng: random.Random, now: float):
        self.rng, self.now = rng, now

    def __enter__(self) -> None:
        _RANDOM.lock.acquire()
        self._outer = (_ACTIVE.rng, _ACTIVE.now)
        _ACTIVE.rng, _ACTIVE.now = self.rng, self.now

    def __exit__(self, *exc) -> None:
        _ACTIVE.rng, _ACTIVE.now = self._outer
        _RANDOM.lock.release()


# -- endpoints on hosts ----------------------------------------------------------------------
class QuicFailure(Exception):
    """A QUIC connection failed: ``kind`` is ``timeout``, ``handshake``, ``closed`` or
    ``certificate-<problem>``."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(detail or kind)
        self.kind, self.detail = kind, detail or kind


class QuicEndpoint:
    """One QUIC connection on a host: its datagrams, its timer, its events."""

    def __init__(
        self,
        host: Host,
        conn: QuicConnection,
        local: tuple[IPAddress, int],
        remote: tuple[IPAddress, int],
        rng: random.Random,
        on_event: Callable[[object], None],
    ):
        self.host, self.conn = host, conn
        self.internet = host.internet
        self.loop = host.internet.loop
        self.local, self.remote = local, remote
        self.rng = rng
        self.on_event = on_event
        self._timer: Timer | None = None
        self._due = 0.0
        self.closed = False

    def _driving(self) -> _Driving:
        return _Driving(self.rng, self.internet.epoch + self.loop.now)

    def receive(self, packet: Packet) -> None:
        with self._driving():
            self.conn.receive_datagram(
                packet.payload, (str(packet.src), packet.sport), self.loop.now
            )
        self.pump()

    def pump(self) -> None:
        """Send what the connection wants sent, hand its events on, keep its timer."""
        host = self.host
        with self._driving():
            datagrams = self.conn.datagrams_to_send(now=self.loop.now)
            events = []
            while (event := self.conn.next_event()) is not None:
                events.append(event)
            due = self.conn.get_timer()
        src, sport = self.local
        dst, dport = self.remote
        for data, _ in datagrams:
            ident = host.next_ident() if src.version == 4 else 0
            host.send(Packet(src, dst, "udp", sport, dport, data, ident=ident))
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if due is not None and not self.closed:
            # the clock keeps nanoseconds: round up, so that the timer never fires before
            # aioquic's deadline (it would do nothing, and ask again for the same time)
            self._due = max(due, self.loop.now)
            self._timer = self.loop.call_at(math.ceil(self._due * 1e9) / 1e9, self._fire)
        for event in events:
            if isinstance(event, quic_events.ConnectionTerminated):
                self.closed = True
            self.on_event(event)

    def _fire(self) -> None:
        self._timer = None
        with self._driving():
            self.conn.handle_timer(now=max(self.loop.now, self._due))
        self.pump()

    def close(self) -> None:
        if not self.closed:
            with self._driving():
                self.conn.close()
            self.pump()
            self.closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class QuicClient:
    """A client's HTTP/3 connection to one address: ``yield from connect(timeout)``, then
    ``yield from get(authority, path, timeout)``."""

    def __init__(
        self,
        host: Host,
        address: IPAddress,
        port: int,
        server_name: str,
        ca: CertificateAuthority,
        rng: random.Random,
    ):
        self.host = host
        self.loop = host.internet.loop
        self.lport = host.ephemeral_port()
        self.rng = rng
        config = QuicConfiguration(is_client=True, alpn_protocols=list(H3_ALPN))
        config.server_name = server_name
        config.cadata = ca.pem.encode()
        config.verify_mode = ssl.CERT_REQUIRED
        local = host.address_for(address)
        with _Driving(rng, host.internet.epoch + self.loop.now):
            _ACTIVE.problem = None
            conn = QuicConnection(configuration=config)
            conn.connect((str(address), port), now=self.loop.now)
        self.endpoint = QuicEndpoint(host, conn, (local, self.lport), (address, port), rng,
                                     self._on_event)  # fmt: skip
        self.h3: H3Connection | None = None
        self.connected = False
        self.failure: QuicFailure | None = None
        self._responses: dict[int, dict] = {}
        self._changed: Event | None = None
        host.bind_udp(self.lport, self.endpoint.receive)

    def _wake(self) -> None:
        ev, self._changed = self._changed, None
        if ev is not None:
            ev.succeed()

    def _on_event(self, event) -> None:
        if isinstance(event, quic_events.HandshakeCompleted):
            self.connected = True
            self.h3 = H3Connection(self.endpoint.conn)
        elif isinstance(event, quic_events.ConnectionTerminated):
            problem = _ACTIVE.problem
            if not self.connected and problem is not None:
                self.failure = QuicFailure(f"certificate-{problem}", event.reason_phrase)
            elif not self.connected:
                self.failure = QuicFailure("handshake", event.reason_phrase or "closed")
            else:
                self.failure = QuicFailure("closed", event.reason_phrase or "closed")
        elif self.h3 is not None:
            for h3_event in self.h3.handle_event(event):
                response = self._responses.setdefault(
                    h3_event.stream_id, {"headers": [], "body": b"", "done": False}
                )
                if isinstance(h3_event, h3_events.HeadersReceived):
                    response["headers"] += h3_event.headers
                elif isinstance(h3_event, h3_events.DataReceived):
                    response["body"] += h3_event.data
                if getattr(h3_event, "stream_ended", False):
                    response["done"] = True
        self._wake()

    def _wait(self, deadline: float, done: Callable[[], bool]) -> Generator[Event, object, bool]:
        while not done():
            if self.failure is not None:
                return False
            remaining = self.loop.remaining(deadline)
            if remaining <= 0:
                return False
            self._changed = Event(self.loop)
            timer = self.loop.timeout(remaining)
            yield first_of(self.loop, self._changed, timer)
            timer.cancel()
        return True

    def connect(self, timeout: float) -> Generator[Event, object, None]:
        """Send the Initial and wait for the handshake; raises :class:`QuicFailure`."""
        self.endpoint.pump()
        ok = yield from self._wait(self.loop.deadline(timeout), lambda: self.connected)
        if not ok:
            self.abort()
            raise self.failure or QuicFailure("timeout", f"no QUIC handshake within {timeout:g} s")

    def get(self, authority: str, path: str, timeout: float):
        """One HTTP/3 GET; returns ``(status, headers, body)``; raises :class:`QuicFailure`."""
        stream = self.endpoint.conn.get_next_available_stream_id()
        headers = [(b":method", b"GET"), (b":scheme", b"https"),
                   (b":authority", authority.encode()), (b":path", path.encode()),
                   (b"user-agent", b"censorsim/0.2")]  # fmt: skip
        with _Driving(self.rng, self.host.internet.epoch + self.loop.now):
            self.h3.send_headers(stream, headers, end_stream=True)
        self.endpoint.pump()
        done = lambda: self._responses.get(stream, {}).get("done", False)  # noqa: E731
        ok = yield from self._wait(self.loop.deadline(timeout), done)
        response = self._responses.get(stream)
        self.abort()
        if not ok:
            raise self.failure or QuicFailure("timeout", f"no HTTP/3 answer within {timeout:g} s")
        pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response["headers"]]
        status = int(dict(pairs).get(":status", "0") or 0)
        return status, {k: v for k, v in pairs if not k.startswith(":")}, response["body"]

    def abort(self) -> None:
        self.endpoint.close()
        self.host.unbind_udp(self.lport)


class QuicServer:
    """HTTP/3 on UDP port 443 of a host, answering with a :class:`WebServer`'s sites.

    The certificate is chosen by the SNI the server reads in the client's first Initial
    (with the censor's own parser, :func:`~censorsim.wire.extract_quic_sni`).
    """

    def __init__(self, web_server, rng: random.Random):
        self.web = web_server
        self.host: Host = web_server.host
        self.rng = rng
        self.connections: dict[tuple, QuicEndpoint] = {}
        self._configs: dict[str | None, QuicConfiguration] = {}
        self.host.bind_udp(443, self._datagram)
        self.host.services.append("http3")

    def _config(self, server_name: str | None) -> QuicConfiguration:
        key = server_name if server_name in self.web.sites else None
        config = self._configs.get(key)
        if config is None:
            site = self.web.sites.get(key) if key else None
            names = (key,) if key else self.web.names
            cert, private_key = self.web.certificate_for(site, names)
            config = QuicConfiguration(is_client=False, alpn_protocols=list(H3_ALPN))
            config.certificate = cert
            config.private_key = private_key
            self._configs[key] = config
        return config

    def _datagram(self, packet: Packet) -> None:
        key = (packet.src, packet.sport)
        endpoint = self.connections.get(key)
        if endpoint is None:
            try:
                name = extract_quic_sni(packet.payload)
            except ValueError:
                return  # not a client's first Initial: a server ignores it
            try:
                header = pull_quic_header(Buffer(data=packet.payload), host_cid_length=8)
            except ValueError:
                return
            with _Driving(self.rng, self.host.internet.epoch + self.host.internet.now):
                conn = QuicConnection(
                    configuration=self._config(name),
                    original_destination_connection_id=header.destination_cid,
                )
            state: dict = {"h3": None, "sni": name}
            endpoint = QuicEndpoint(
                self.host, conn, (packet.dst, 443), key, self.rng,
                lambda event, state=state, key=key: self._event(key, state, event),
            )  # fmt: skip
            state["endpoint"] = endpoint
            self.connections[key] = endpoint
        endpoint.receive(packet)

    def _event(self, key, state: dict, event) -> None:
        endpoint: QuicEndpoint = state["endpoint"]
        if isinstance(event, quic_events.HandshakeCompleted):
            state["h3"] = H3Connection(endpoint.conn)
            return
        if isinstance(event, quic_events.ConnectionTerminated):
            self.connections.pop(key, None)
            return
        h3 = state["h3"]
        if h3 is None:
            return
        for h3_event in h3.handle_event(event):
            if isinstance(h3_event, h3_events.HeadersReceived) and h3_event.stream_ended:
                self._request(endpoint, h3, h3_event, state["sni"])

    def _request(self, endpoint: QuicEndpoint, h3: H3Connection, event, sni) -> None:
        from censorsim.protocols.http import Request

        pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in event.headers]
        fields = dict(pairs)
        headers = tuple((k, v) for k, v in pairs if not k.startswith(":"))
        headers = (("host", fields.get(":authority", "")), *headers)
        method, path = fields.get(":method", "GET"), fields.get(":path", "/")
        request = Request(method, path, headers, b"", sni, endpoint.remote[0])
        stream = event.stream_id

        def reply(status: int, body: bytes, extra: dict | None = None) -> None:
            all_headers = {"server": self.web.server_header, **self.web.headers, **(extra or {})}
            response = [(b":status", str(status).encode())]
            response += [(k.lower().encode(), str(v).encode()) for k, v in all_headers.items()]
            response.append((b"content-length", str(len(body)).encode()))
            with endpoint._driving():
                h3.send_headers(stream, response, end_stream=not body)
                if body:
                    h3.send_data(stream, body, end_stream=True)
            endpoint.pump()

        self.web.respond(request, reply)

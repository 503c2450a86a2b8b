"""A measurement's elementary operations, one address at a time (lesson 06).

A browser (:class:`censorsim.Client`) hides its steps: it races the addresses of a name
and keeps the first connection that works. A measurement needs each step on its own: a
TCP connect to *this* address, a TLS handshake with *this* server name, one HTTP round
trip on *this* connection. These are those steps, written as processes of the world's
event loop (``yield from`` them inside a process) on the public protocol pieces:
:func:`censorsim.protocols.dns.udp_lookup`, :class:`censorsim.protocols.tcp.TCPStack`,
:class:`censorsim.protocols.tls.TLSClientSession` and
:class:`censorsim.protocols.http.ResponseReader`. The probe of Web Connectivity and its
test helper both use them, as OONI's probe and ``oohelperd`` both use ``netxlite``.

Each step reports its failure with OONI's name for it (``connection_reset``,
``ssl_invalid_hostname``...) and the simulator's own words in ``detail``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Generator
from dataclasses import dataclass, field

from censorsim.core.clock import Event
from censorsim.core.net import Host
from censorsim.measure.failures import ooni_failure
from censorsim.protocols.dns import DNSLookup, udp_lookup
from censorsim.protocols.http import Response, ResponseReader
from censorsim.protocols.tcp import TCPError, TCPSocket, TCPStack
from censorsim.protocols.tls import CertificateAuthority, TLSClientSession, TLSError

__all__ = ["Outcome", "lookup", "connect", "handshake", "round_trip", "MAX_BODY"]

#: The most of a body a probe keeps (OONI's probe reads at most 1 << 19 bytes, its test
#: helper 1 << 24): a longer body is truncated and its length is not compared.
MAX_BODY = 1 << 19


@dataclass
class Outcome:
    """What one step did: ``failure`` is None or OONI's name; ``t0``/``t`` are virtual
    times; ``value`` is what the step made (a socket, a TLS session, a response)."""

    failure: str | None
    detail: str
    t0: float
    t: float
    value: object = field(default=None, repr=False)
    truncated: bool = False


def lookup(
    host: Host, server, name: str, rdtype: int, *, timeout: float, wait: float = 0.0
) -> Generator[Event, object, DNSLookup]:
    """One DNS question over UDP, one attempt, ``timeout`` seconds (as the probe's lookups
    are bounded: 4 s in Web Connectivity); ``wait`` keeps listening for late answers."""
    return (
        yield from udp_lookup(host, server, name, rdtype, timeout=timeout, attempts=1, wait=wait)
    )


def connect(host: Host, address, port: int, timeout: float) -> Generator[Event, object, Outcome]:
    """A TCP connect to ``address:port``; ``value`` is the connected socket."""
    loop = host.internet.loop
    t0 = loop.now
    try:
        sock = TCPStack.of(host).connect(address, port)
    except OSError as exc:  # no address of that family: the network is unreachable
        return Outcome("network_unreachable", str(exc), t0, loop.now)
    try:
        yield from sock.wait_connected(timeout)
    except TCPError as exc:
        detail = {
            "timeout": f"no answer to SYN from {address}:{port} within {timeout:g} s",
            "refused": f"{address}:{port} answered the SYN with a RST",
            "reset": f"the connection to {address}:{port} was reset while opening",
        }[exc.kind]
        return Outcome(ooni_failure(f"tcp:{exc.kind}"), detail, t0, loop.now)
    return Outcome(None, f"connected to {address}:{port}", t0, loop.now, sock)


def _recv(sock: TCPSocket, deadline: float, stage: str, timeout: float):
    """The next bytes, ``b""`` at the end of the stream, or ``(failure, detail)``."""
    loop = sock.loop
    try:
        return (yield from sock.recv(deadline - loop.now))
    except TCPError as exc:
        sock.abort()
        what = "TLS handshake answer" if stage == "tls" else "complete HTTP answer"
        if exc.kind == "timeout":
            return ooni_failure(f"{stage}:timeout"), f"no {what} within {timeout:g} s"
        detail = f"the connection was reset while waiting for the {what}"
        return ooni_failure(f"{stage}:reset"), detail


def handshake(
    host: Host,
    sock: TCPSocket,
    ca: CertificateAuthority,
    server_name: str,
    rng,
    timeout: float,
) -> Generator[Event, object, Outcome]:
    """A TLS handshake on ``sock`` asking for ``server_name`` (sent as SNI unless it is an
    address), checking the certificate at the world's virtual time; ``value`` is the
    :class:`~censorsim.protocols.tls.TLSClientSession`."""
    internet = host.internet
    loop = internet.loop
    t0 = loop.now
    try:
        ipaddress.ip_address(server_name)
        sni = None
    except ValueError:
        sni = server_name
    session = TLSClientSession(
        ca.client_context(), server_name, rng, now=internet.epoch + internet.now
    )
    sock.send(session.start())
    deadline = loop.now + timeout
    while not session.handshake_done:
        data = yield from _recv(sock, deadline, "tls", timeout)
        if isinstance(data, tuple):
            return Outcome(*data, t0, loop.now)
        if not data:
            sock.close()
            return Outcome(
                ooni_failure("tls:eof"),
                "the connection ended (FIN) during the TLS handshake",
                t0,
                loop.now,
            )
        try:
            reply, _ = session.feed(data)
        except TLSError as exc:
            if exc.alert:
                sock.send(exc.alert)
            sock.close()
            if exc.kind == "certificate":
                failure = ooni_failure(f"tls:certificate-{exc.problem}")
                return Outcome(failure, f"certificate verification failed: {exc}", t0, loop.now)
            return Outcome(
                ooni_failure("tls:handshake"), f"TLS handshake failed: {exc}", t0, loop.now
            )
        if reply:
            sock.send(reply)
    detail = f"{session.version} with {sni or 'no SNI'}"
    return Outcome(None, detail, t0, loop.now, session)


def round_trip(
    host: Host,
    sock: TCPSocket,
    session: TLSClientSession | None,
    request: bytes,
    timeout: float,
    max_body: int = MAX_BODY,
) -> Generator[Event, object, Outcome]:
    """Send ``request`` (bytes) and read one HTTP response; ``value`` is the
    :class:`~censorsim.protocols.http.Response`, its body cut at ``max_body`` bytes
    (``truncated`` says so). The connection is closed afterwards."""
    loop = host.internet.loop
    t0 = loop.now
    sock.send(session.send(request) if session is not None else request)
    reader = ResponseReader()
    deadline = loop.now + timeout
    while not reader.done:
        data = yield from _recv(sock, deadline, "http", timeout)
        if isinstance(data, tuple):
            return Outcome(*data, t0, loop.now)
        if not data:
            reader.eof()
            break
        if session is not None:
            try:
                _, data = session.feed(data)
            except TLSError as exc:
                sock.abort()
                return Outcome(
                    ooni_failure("http:reset"), f"TLS error while reading: {exc}", t0, loop.now
                )
            reader.feed(data)
            if session.closed:
                reader.eof()
        else:
            reader.feed(data)
    sock.close()
    response: Response | None = reader.response
    if response is None:
        if reader.error and reader.started and "ended before" not in reader.error:
            return Outcome(ooni_failure("http:malformed"), reader.error, t0, loop.now)
        detail = reader.error or "the connection ended before the HTTP answer came"
        return Outcome(ooni_failure("http:eof"), detail, t0, loop.now)
    truncated = len(response.body) > max_body
    if truncated:
        response = Response(
            response.status,
            response.reason,
            response.headers,
            response.body[:max_body],
            response.header_map,
        )
    return Outcome(None, f"HTTP {response.status}", t0, loop.now, response, truncated)

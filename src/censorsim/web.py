"""Web servers: HTTP/1.1 over TLS and plaintext, virtual hosts, CDNs, block pages (lesson 01).

Theory of operation
-------------------
One server address can serve many sites. The server learns which site a client wants
twice: from the SNI in the TLS ClientHello (to choose the certificate) and from the
``Host`` header of the HTTP request (to choose the content). A CDN runs the same server
on a few shared edge addresses for all its customers, so every customer's name resolves
to the same handful of addresses: that is what turns one blocked address into thousands
of blocked sites (lesson 03). With ``allow_fronting`` the CDN routes by ``Host`` even when
it differs from the SNI (domain fronting, lesson 04).

A block-page server answers every request with HTTP 451 (RFC 7725). For an ``https``
URL it can only present its own certificate, so the browser stops at a certificate
error before any block page shows (lesson 02).

Responses carry ``Content-Length`` and ``Connection: close``; the server closes the
connection after one response (with a TLS close_notify first, as real servers do).
"""

from __future__ import annotations

import email.utils
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from censorsim.tcp import TCPConnection
from censorsim.tls import TLSError, TLSServerSession

if TYPE_CHECKING:
    from censorsim.net import Host

__all__ = [
    "Site",
    "WebServer",
    "HTTPRequest",
    "parse_request",
    "render_response",
    "doh_handler",
    "REASONS",
]

REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    415: "Unsupported Media Type",
    421: "Misdirected Request",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass
class Site:
    """A web site: a host name and what it serves (``infringing`` marks a block target)."""

    name: str
    title: str
    text: str = ""
    status: int = 200
    infringing: bool = False
    category: str = "legal"

    def page(self) -> bytes:
        body = (
            '<!doctype html>\n<html><head><meta charset="utf-8">'
            f"<title>{html.escape(self.title)}</title></head>\n"
            f"<body><h1>{html.escape(self.title)}</h1>\n<p>{html.escape(self.text)}</p>\n"
            "</body></html>\n"
        )
        return body.encode()


@dataclass
class HTTPRequest:
    method: str
    target: str
    version: str
    headers: dict[str, str]
    body: bytes = b""
    server_name: str | None = None  # the SNI, when the request came over TLS
    peer: object = None

    @property
    def host(self) -> str | None:
        value = self.headers.get("host")
        if value is None:
            return None
        return value.rsplit(":", 1)[0].lower() if value.count(":") == 1 else value.lower()


class IncompleteRequest(Exception):
    pass


def parse_request(data: bytes) -> HTTPRequest:
    """Parse one HTTP/1.1 request; raise IncompleteRequest or ValueError."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        if len(data) > 65536:
            raise ValueError("header block longer than 64 KiB")
        raise IncompleteRequest
    head = data[:end].decode("latin-1").split("\r\n")
    parts = head[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise ValueError(f"bad request line {head[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in head[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"bad header line {line[:80]!r}")
        headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length", "0")
    if not length.isdigit():
        raise ValueError(f"bad Content-Length {length!r}")
    body = data[end + 4 : end + 4 + int(length)]
    if len(body) < int(length):
        raise IncompleteRequest
    return HTTPRequest(parts[0], parts[1], parts[2], headers, body)


def render_response(
    status: int, body: bytes, headers: dict[str, str] | None = None, *, date: float | None = None
) -> bytes:
    """The bytes of an HTTP/1.1 response with Content-Length and ``Connection: close``."""
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}"]
    all_headers = {"Server": "censorsim"}
    if date is not None:
        all_headers["Date"] = email.utils.formatdate(date, usegmt=True)
    all_headers["Content-Type"] = "text/html; charset=utf-8"
    all_headers.update(headers or {})
    all_headers["Content-Length"] = str(len(body))
    all_headers["Connection"] = "close"
    lines += [f"{k}: {v}" for k, v in all_headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


Reply = Callable[[int, bytes, dict[str, str]], None]
Handler = Callable[[HTTPRequest, Reply], None]


@dataclass
class WebServer:
    """HTTP/1.1 on port 80 and HTTPS on port 443 of a host, with virtual hosts.

    ``names`` are the names on the server's default certificate (what a client gets when
    its SNI names no site here). ``handlers`` map a path to a function for dynamic
    answers (DNS over HTTPS uses ``/dns-query``). ``catch_all`` answers every request for
    an unknown site (a block-page server).
    """

    host: Host
    names: tuple[str, ...]
    sites: dict[str, Site] = field(default_factory=dict)
    handlers: dict[str, Handler] = field(default_factory=dict)
    catch_all: Site | None = None
    allow_fronting: bool = True
    http: bool = True
    https: bool = True
    server_header: str = "censorsim"

    def __post_init__(self) -> None:
        self._ctx = None  # made at the first TLS connection: most servers never get one
        if self.http:
            self.host.tcp_listen(80, self._accept_plain)
            self.host.services.append("http")
        if self.https:
            self.host.tcp_listen(443, self._accept_tls)
            self.host.services.append("https")

    def add_site(self, site: Site) -> None:
        self.sites[site.name] = site

    # -- TLS: certificate by SNI -------------------------------------------------------
    def _choose_certificate(self, sslobj, server_name, _ctx) -> None:
        sslobj._censorsim_sni = server_name
        if server_name and server_name.lower() in self.sites:
            sslobj.context = self.host.world.ca.server_context((server_name.lower(),))
        # otherwise the default certificate stays: a client asking for a name that is
        # not served here fails verification, as with a real server

    # -- connections -------------------------------------------------------------------
    def _accept_plain(self, conn: TCPConnection) -> None:
        exchange = _Exchange(self, conn, None, conn.send, conn.close)
        conn.on_data = lambda c, data: exchange.received(data)

    def _context(self):
        if self._ctx is None:
            self._ctx = self.host.world.ca.server_context(self.names, shared=False)
            self._ctx.sni_callback = self._choose_certificate
        return self._ctx

    def _accept_tls(self, conn: TCPConnection) -> None:
        session = TLSServerSession(self._context(), self.host.world.tls_rng)

        def close() -> None:
            conn.send(session.close())
            conn.close()

        exchange = _Exchange(self, conn, session, lambda b: conn.send(session.send(b)), close)

        def on_data(c: TCPConnection, data: bytes) -> None:
            try:
                out, plain = session.feed(data)
            except TLSError:
                c.reset()  # a handshake failure: drop the connection as servers do
                return
            if out:
                c.send(out)
            if plain:
                exchange.received(plain)

        conn.on_data = on_data

    def _date(self) -> float:
        world = self.host.world
        return world.epoch + world.loop.now

    def respond(self, request: HTTPRequest, reply: Reply) -> None:
        """Choose the answer to a request: a handler, a site, the catch-all, or an error."""
        path = request.target.split("?", 1)[0]
        handler = self.handlers.get(path)
        if handler is not None:
            handler(request, reply)
            return
        host = request.host
        if (
            request.server_name is not None
            and host is not None
            and host != request.server_name.lower()
            and not self.allow_fronting
        ):
            reply(421, b"421 Misdirected Request: SNI and Host differ\n", {})
            return
        site = self.sites.get(host or "") or self.catch_all
        if site is None:
            reply(404, f"no site {host!r} on this server\n".encode(), {})
            return
        reply(site.status, site.page(), {})


class _Exchange:
    """One request and its response on one connection (the server closes after it)."""

    def __init__(self, server: WebServer, conn: TCPConnection, session, send, close):
        self.server, self.conn, self.session = server, conn, session
        self.send, self.close = send, close
        self.buf = bytearray()
        self.answered = False

    def received(self, data: bytes) -> None:
        if self.answered:
            return
        self.buf += data
        try:
            request = parse_request(bytes(self.buf))
        except IncompleteRequest:
            return
        except ValueError:
            self.answered = True
            self.send(render_response(400, b"bad request\n", date=self.server._date()))
            self.close()
            return
        self.answered = True
        request.server_name = self.session.server_name if self.session else None
        request.peer = self.conn.remote
        self.server.respond(request, self.reply)

    def reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        if self.conn.state == "CLOSED":
            return
        all_headers = {"Server": self.server.server_header}
        all_headers.update(headers or {})
        self.send(render_response(status, body, all_headers, date=self.server._date()))
        self.close()


def doh_handler(resolver) -> Handler:
    """A ``/dns-query`` handler (RFC 8484, POST) answering with ``resolver``."""
    from censorsim.wire import MalformedPacket, dns_to_wire, parse_dns

    def handle(request: HTTPRequest, reply: Reply) -> None:
        if request.method != "POST":
            reply(405, b"use POST with application/dns-message\n", {})
            return
        if request.headers.get("content-type") != "application/dns-message":
            reply(415, b"expected Content-Type: application/dns-message\n", {})
            return
        try:
            query = parse_dns(request.body)
        except MalformedPacket:
            reply(400, b"the body is not a DNS message\n", {})
            return

        def respond(message, verdict=None) -> None:
            reply(200, dns_to_wire(message), {"Content-Type": "application/dns-message"})

        resolver.handle(query, respond)

    return handle

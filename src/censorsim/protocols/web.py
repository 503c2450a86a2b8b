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

A :class:`Site` may also redirect (``redirect="https://www.example/"``: a 301 with that
``Location``, as sites do from a bare name to ``www`` or from ``http`` to ``https``),
send headers of its own (``headers={"Alt-Svc": ...}``), present a broken certificate
(``certificate="expired"``, ``"wrong-name"`` or ``"unknown-authority"``, the three
certificate errors OONI tells apart), or show a CAPTCHA wall to some networks instead of
its page (``captcha_for=["198.18.0.0/16"]``: sites behind a bot filter answer a probe and a
control differently, a classic false positive of web measurements, lesson 06).

Every exchange is one request and one response through h11
(:mod:`censorsim.protocols.http`); the server closes the connection after the response
(with a TLS close_notify first, as real servers do).
"""

from __future__ import annotations

import datetime
import html
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field

from censorsim.core.net import Host
from censorsim.protocols.http import Request, RequestReader, response_bytes
from censorsim.protocols.tcp import TCPSocket, TCPStack
from censorsim.protocols.tls import CertificateAuthority, TLSError, TLSServerSession
from censorsim.wire import Incomplete, MalformedPacket, parse_client_hello
from censorsim.wire.ech import ECHError, open_client_hello, parse_encrypted_client_hello

__all__ = ["Site", "WebServer", "Reply", "Handler", "CERTIFICATE_PROBLEMS", "EXPIRED_ON"]

#: What a site's certificate may be wrong about.
CERTIFICATE_PROBLEMS = ("expired", "wrong-name", "unknown-authority")
#: When an "expired" certificate expired (before every world's default epoch).
EXPIRED_ON = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
_CAPTCHA_PAGE = (
    b"<!doctype html>\n<html><head><title>Just a moment...</title></head>\n"
    b"<body><h1>Checking your browser before accessing the site</h1>\n"
    b"<p>Complete the challenge to continue.</p></body></html>\n"
)


@dataclass
class Site:
    """A web site: a host name and what it serves (``infringing`` marks a block target).

    ``redirect`` makes the site answer every request with a redirect to that URL
    (``status`` 301 unless another 3xx is given); ``headers`` are sent with every answer.
    """

    name: str
    title: str
    text: str = ""
    status: int = 200
    infringing: bool = False
    category: str = "legal"
    redirect: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    certificate: str | None = None
    captcha_for: tuple = ()

    def __post_init__(self) -> None:
        if self.certificate is not None and self.certificate not in CERTIFICATE_PROBLEMS:
            raise ValueError(
                f"certificate={self.certificate!r}: expected None or one of {CERTIFICATE_PROBLEMS}"
            )
        if isinstance(self.captcha_for, str):
            raise ValueError(f"captcha_for={self.captcha_for!r}: expected a list of prefixes")
        try:
            self.captcha_for = tuple(ipaddress.ip_network(p) for p in self.captcha_for)
        except ValueError as exc:
            raise ValueError(f"captcha_for: {exc}") from None
        if not isinstance(self.status, int) or not 100 <= self.status <= 599:
            raise ValueError(f"status={self.status!r}: expected an HTTP status from 100 to 599")
        if self.redirect is not None:
            if not isinstance(self.redirect, str):
                raise ValueError(f"redirect={self.redirect!r}: expected a URL as a str")
            if not 300 <= self.status < 400:
                self.status = 301

    def page(self) -> bytes:
        body = (
            '<!doctype html>\n<html><head><meta charset="utf-8">'
            f"<title>{html.escape(self.title)}</title></head>\n"
            f"<body><h1>{html.escape(self.title)}</h1>\n<p>{html.escape(self.text)}</p>\n"
            "</body></html>\n"
        )
        return body.encode()

    def answer(self, peer=None) -> tuple[int, bytes, dict[str, str]]:
        """``(status, body, headers)`` of this site's answer to a request from ``peer``."""
        headers = dict(self.headers)
        if peer is not None and any(
            peer.version == net.version and peer in net for net in self.captcha_for
        ):
            headers["Cache-Control"] = "no-store"
            return 403, _CAPTCHA_PAGE, headers
        if self.redirect is not None:
            headers["Location"] = self.redirect
        return self.status, self.page(), headers


Reply = Callable[[int, bytes, dict[str, str]], None]
Handler = Callable[[Request, Reply], None]


class WebServer:
    """HTTP/1.1 on port 80 and HTTPS on port 443 of a host, with virtual hosts.

    ``names`` are the names on the server's default certificate (what a client gets when
    its SNI names no site here). ``handlers`` map a path to a function for dynamic
    answers (DNS over HTTPS uses ``/dns-query``). ``catch_all`` answers every request for
    an unknown site (a block-page server). ``clock`` gives the POSIX time for ``Date``.
    """

    def __init__(
        self,
        host: Host,
        names: tuple[str, ...] | list[str],
        *,
        ca: CertificateAuthority,
        sites: dict[str, Site] | None = None,
        handlers: dict[str, Handler] | None = None,
        catch_all: Site | None = None,
        allow_fronting: bool = True,
        http: bool = True,
        https: bool = True,
        server_header: str = "censorsim",
        headers: dict[str, str] | None = None,
        ech_keys: dict | None = None,
        http3: bool = False,
    ):
        self.host = host
        self.names = tuple(names)
        self.ca = ca
        self.sites: dict[str, Site] = dict(sites or {})
        self.handlers: dict[str, Handler] = dict(handlers or {})
        self.catch_all = catch_all
        self.allow_fronting = allow_fronting
        self.server_header = server_header
        self.headers = dict(headers or {})  # sent with every answer (a CDN's own headers)
        # Encrypted Client Hello: config_id -> (ECHConfig, private key); a hello sealed
        # with one of them is opened and the inner hello handed to OpenSSL
        self.ech_keys = dict(ech_keys or {})
        self._ctx = None  # made at the first TLS connection: most servers never get one
        self._rng = host.internet.rng(f"tls:{host.name}")
        stack = TCPStack.of(host)
        if http:
            stack.listen(80, self._accept_plain)
            host.services.append("http")
        if https:
            stack.listen(443, self._accept_tls)
            host.services.append("https")
        self.quic = None
        if http3:
            from censorsim.protocols.quic import QuicServer

            self.quic = QuicServer(self, host.internet.rng(f"quic:{host.name}"))

    def __repr__(self) -> str:
        return f"<WebServer on {self.host.name}: {len(self.sites)} sites>"

    def add_site(self, site: Site) -> None:
        self.sites[site.name] = site

    # -- TLS: certificate by SNI -------------------------------------------------------
    def _choose_certificate(self, sslobj, server_name, _ctx) -> None:
        sslobj._censorsim_sni = server_name
        site = self.sites.get(server_name.lower()) if server_name else None
        if site is not None:
            sslobj.context = self._site_context(site)
        # otherwise the default certificate stays: a client asking for a name that is
        # not served here fails verification, as with a real server

    def certificate_for(self, site: Site | None, names: tuple[str, ...]):
        """``(certificate, key)`` the server presents for ``site`` (its default one for
        None), with the site's certificate problem if it has one (for QUIC, whose TLS is
        not OpenSSL's)."""
        if site is None:
            return self.ca.certificate_for(tuple(names))
        problem = site.certificate
        if problem is None:
            return self.ca.certificate_for((site.name,))
        if problem == "expired":
            return self.ca.certificate_for((site.name,), not_after=EXPIRED_ON)
        if problem == "wrong-name":
            return self.ca.certificate_for((f"www.{site.name}",))
        return self.ca.untrusted().certificate_for((site.name,))

    def _site_context(self, site: Site):
        problem = site.certificate
        if problem is None:
            return self.ca.server_context((site.name,))
        if problem == "expired":
            return self.ca.server_context((site.name,), not_after=EXPIRED_ON)
        if problem == "wrong-name":
            return self.ca.server_context((f"www.{site.name}",))  # a common mistake
        return self.ca.untrusted().server_context((site.name,))

    def _context(self):
        if self._ctx is None:
            self._ctx = self.ca.server_context(self.names, shared=False)
            self._ctx.sni_callback = self._choose_certificate
        return self._ctx

    # -- connections -------------------------------------------------------------------
    def _accept_plain(self, sock: TCPSocket) -> None:
        exchange = _Exchange(self, sock, None, sock.send, sock.close)
        sock.on_data = lambda s, data: exchange.received(data)

    def _accept_tls(self, sock: TCPSocket) -> None:
        session = TLSServerSession(self._context(), self._rng)

        def close() -> None:
            sock.send(session.close())
            sock.close()

        exchange = _Exchange(self, sock, session, lambda b: sock.send(session.send(b)), close)
        first = {"buffer": b"", "done": False}

        def on_data(s: TCPSocket, data: bytes) -> None:
            if not first["done"]:
                data = self._first_flight(first, data)
                if data is None:
                    return  # the ClientHello is not complete yet
            try:
                out, plain = session.feed(data)
            except TLSError as exc:
                if exc.alert:
                    s.send(exc.alert)
                s.reset()  # a handshake failure: drop the connection as servers do
                return
            if out:
                s.send(out)
            if plain:
                exchange.received(plain)

        sock.on_data = on_data

    def _first_flight(self, state: dict, data: bytes) -> bytes | None:
        """The client's first bytes, with an ECH hello replaced by the inner one.

        Without ECH keys the bytes go straight to OpenSSL. With them, the server waits
        for the whole ClientHello; if it carries an ``encrypted_client_hello`` sealed
        with one of its configs, it opens it (:func:`censorsim.wire.ech.open_client_hello`)
        and gives OpenSSL the inner hello, whose server name chooses the certificate. A
        hello that does not open is handled as it came (a real server would also send
        retry configs; see the ECH module's simplifications)."""
        if not self.ech_keys:
            state["done"] = True
            return data
        buffer = state["buffer"] + data
        try:
            hello = parse_client_hello(buffer)
        except Incomplete:
            state["buffer"] = buffer
            return None
        except MalformedPacket:
            state["done"] = True
            return buffer  # OpenSSL will refuse it, as it should
        state["done"] = True
        if not hello.ech:
            return buffer
        ech = parse_encrypted_client_hello(buffer)
        key = self.ech_keys.get(ech.config_id) if ech is not None else None
        if key is None:
            return buffer
        config, private_key = key
        try:
            return open_client_hello(buffer, private_key, config)
        except (ECHError, MalformedPacket, Incomplete):
            return buffer

    def _date(self) -> float:
        internet = self.host.internet
        return internet.epoch + internet.now

    def respond(self, request: Request, reply: Reply) -> None:
        """Choose the answer to a request: a handler, a site, the catch-all, or an error."""
        handler = self.handlers.get(request.path)
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
        reply(*site.answer(request.peer))


class _Exchange:
    """One request and its response on one connection (the server closes after it)."""

    def __init__(self, server: WebServer, sock: TCPSocket, session, send, close):
        self.server, self.sock, self.session = server, sock, session
        self.send, self.close = send, close
        self.reader = RequestReader()
        self.answered = False

    def received(self, data: bytes) -> None:
        if self.answered:
            return
        try:
            request = self.reader.feed(data)
        except ValueError:
            self.answered = True
            self.send(response_bytes(400, b"bad request\n", date=self.server._date()))
            self.close()
            return
        if request is None:
            return
        self.answered = True
        sni = self.session.server_name if self.session else None
        request = Request(
            request.method, request.target, request.headers, request.body, sni, self.sock.remote
        )
        self.server.respond(request, self.reply)

    def reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        if self.sock.state == "CLOSED":
            return
        all_headers = {**self.server.headers, **(headers or {})}
        data = response_bytes(
            status, body, all_headers, date=self.server._date(), server=self.server.server_header
        )
        self.send(data)
        self.close()

"""A relaying (transparent) proxy: it reads where a connection is going, and takes it there.

An ISP can put a proxy in the way of its subscribers' web traffic without their knowing:
its resolver answers a name with the proxy's address (DNS hijacking), or its routers send
the packets for some addresses to the proxy (destination NAT, :class:`~censorsim.BlockpageOnIP`
with the proxy's ``address``). Either way the client opens a connection to the proxy
believing it talks to the site. The proxy learns the site's name from the first bytes, as
a censor's filter does, and opens a connection of its own to the real site:

- on port 80 it reads the HTTP request, refuses one without a ``Host`` header or one that
  already crossed a proxy (a ``Via`` header: a request the proxy sent to itself would loop
  forever), adds ``Via: 1.1 <proxy>`` (RFC 9110, section 7.6.3) and sends it on; the site's
  answer comes back byte for byte;
- on port 443 it reads the ClientHello, takes the name of its SNI, and relays the
  encrypted bytes both ways without decrypting them, as ``sniproxy`` does
  (github.com/dlundquist/sniproxy). The certificate the client checks is the site's own.

This is the pair of proxies that OONI's QA network (``netemx``, ``ScenarioRoleProxy``)
runs to test Web Connectivity against DNS hijacking to a proxy: ``testingx.httpproxy.go``
and ``testingx.tlssniproxy.go`` in ooni/probe-cli. What a measurement sees is a DNS answer
that is inconsistent with the control's, and then the site's own page.

Simplifications: one request per HTTP connection (the web servers here close after one
answer anyway); the proxy resolves names with one DNS question over UDP (A, or AAAA for an
IPv6-only proxy) and tries only the first address; a connection whose first bytes name
nothing, or whose name does not resolve, gets HTTP 400 or 502, or a TCP reset for TLS.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Generator

import h11

from censorsim.core.clock import Event, check_seconds
from censorsim.core.net import Host
from censorsim.protocols.dns import AAAA, A, udp_lookup
from censorsim.protocols.http import Request, RequestReader, response_bytes
from censorsim.protocols.tcp import TCPError, TCPSocket, TCPStack
from censorsim.wire.errors import Incomplete, MalformedPacket
from censorsim.wire.ip import IPAddress
from censorsim.wire.tls import parse_client_hello

__all__ = ["RelayProxy"]


class RelayProxy:
    """A transparent proxy on ``host`` for HTTP (port 80) and TLS (port 443).

    ``resolver`` is the address of the DNS resolver it asks for the sites' addresses (the
    host network's resolver by default). ``timeout`` bounds its DNS question and its
    connection to the site, in virtual seconds. ``connections`` counts the connections it
    relayed, by site name.
    """

    def __init__(
        self,
        host: Host,
        *,
        resolver: str | IPAddress | None = None,
        timeout: float = 5.0,
        http: bool = True,
        https: bool = True,
    ):
        if resolver is None:
            own = getattr(host.network, "resolver", None)
            if own is None:
                raise ValueError(
                    f"network {host.network.name!r} has no resolver: pass resolver=<address>"
                )
            resolver = own.address
        self.host = host
        try:
            self.resolver = ipaddress.ip_address(resolver)
        except ValueError:
            raise ValueError(f"resolver {resolver!r} is not an IPv4 or IPv6 address") from None
        self.timeout = check_seconds(timeout, "timeout", allow_zero=False)
        self.name = host.name
        self.connections: dict[str, int] = {}
        stack = TCPStack.of(host)
        if http:
            stack.listen(80, lambda sock: _Relay(self, sock, 80))
            host.services.append("http-proxy")
        if https:
            stack.listen(443, lambda sock: _Relay(self, sock, 443))
            host.services.append("tls-proxy")

    def __repr__(self) -> str:
        return f"<RelayProxy on {self.host.name}: {sum(self.connections.values())} relayed>"

    def _origin(self, name: str) -> Generator[Event, object, IPAddress | None]:
        """The address to relay to for ``name`` (None when it does not resolve)."""
        try:
            return ipaddress.ip_address(name.strip("[]"))  # a request for an address
        except ValueError:
            pass
        rdtype = A if any(a.version == 4 for a in self.host.addresses) else AAAA
        lookup = yield from udp_lookup(
            self.host, self.resolver, name, rdtype, timeout=self.timeout, attempts=1
        )
        return lookup.addresses[0] if lookup.addresses else None


class _Relay:
    """One client connection: first bytes, then the site's connection, then both ways."""

    def __init__(self, proxy: RelayProxy, client: TCPSocket, port: int):
        self.proxy, self.client, self.port = proxy, client, port
        self.buffer = b""  # the client's bytes not yet sent on
        self.reader = RequestReader() if port == 80 else None
        self.upstream: TCPSocket | None = None
        self.started = False
        self.client_done = False  # the client sent FIN
        client.on_data = self._from_client
        client.on_eof = self._client_eof
        client.on_error = lambda s, kind: self.upstream is not None and self.upstream.reset()

    # -- the client's side -------------------------------------------------------------
    def _from_client(self, sock: TCPSocket, data: bytes) -> None:
        if self.upstream is not None and self.upstream.state not in ("SYN_SENT", "SYN_RCVD"):
            self.upstream.send(data)
            return
        if self.started:
            self.buffer += data  # while the proxy resolves the name and connects
            return
        name = self._first_bytes(data)
        if name is None:
            return
        self.started = True
        self.proxy.host.internet.loop.process(self._open(name))

    def _first_bytes(self, data: bytes) -> str | None:
        """The site's name once the first bytes tell it; None while more are needed."""
        if self.port == 443:
            self.buffer += data
            try:
                hello = parse_client_hello(self.buffer)
            except Incomplete:
                return None
            except MalformedPacket:
                return self._refuse(400, "not a TLS ClientHello")
            if not hello.sni:
                return self._refuse(400, "the ClientHello names no server")
            return hello.sni.lower()
        try:
            request = self.reader.feed(data)
        except ValueError as error:
            return self._refuse(400, str(error))
        if request is None:
            return None
        if request.host is None:
            return self._refuse(400, "the request has no Host header")
        if any(name.lower() == "via" for name, _ in request.headers):
            return self._refuse(400, "the request crossed a proxy already (Via)")
        self.buffer = _forwarded(request, f"1.1 {self.proxy.name}")
        return request.host

    def _refuse(self, status: int, why: str) -> None:
        """Answer a connection the proxy cannot relay: HTTP ``status``, or a TLS reset."""
        self.started = True
        if self.port == 80:
            self.client.send(response_bytes(status, f"proxy: {why}\n".encode(), {}))
            self.client.close()
        else:
            self.client.reset()
        return None

    def _client_eof(self, sock: TCPSocket) -> None:
        self.client_done = True
        if self.upstream is not None and self.upstream.state not in ("SYN_SENT", "SYN_RCVD"):
            self.upstream.close()

    # -- the site's side ---------------------------------------------------------------
    def _open(self, name: str) -> Generator[Event, object, None]:
        proxy = self.proxy
        origin = yield from proxy._origin(name)
        if self.client.state == "CLOSED":
            return
        if origin is None:
            self._refuse(502, f"{name} does not resolve")
            return
        if origin in proxy.host.addresses:
            self._refuse(508, f"{name} resolves to the proxy itself")
            return
        upstream = TCPStack.of(proxy.host).connect(origin, self.port)
        self.upstream = upstream
        try:
            yield from upstream.wait_connected(proxy.timeout)
        except TCPError as error:
            self._refuse(502, f"cannot connect to {name} at {origin}: {error}")
            return
        proxy.connections[name] = proxy.connections.get(name, 0) + 1
        upstream.on_data = lambda s, data: self.client.send(data)
        upstream.on_eof = lambda s: self.client.close()
        upstream.on_error = lambda s, kind: self.client.reset()
        if upstream.received:  # the site spoke first (no site here does, but a relay may)
            self.client.send(bytes(upstream.received))
            upstream.received.clear()
        data, self.buffer = self.buffer, b""
        upstream.send(data)
        if self.client_done:
            upstream.close()


def _forwarded(request: Request, via: str) -> bytes:
    """The bytes of ``request`` as the proxy sends it on: its own headers, in their order,
    and ``Via`` last."""
    conn = h11.Connection(our_role=h11.CLIENT)
    headers = [*request.headers, ("via", via)]
    data = conn.send(h11.Request(method=request.method, target=request.target, headers=headers))
    if request.body:
        data += conn.send(h11.Data(data=request.body))
    return data + conn.send(h11.EndOfMessage())

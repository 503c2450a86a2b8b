"""OONI's Web Connectivity test helper: the control, a server outside the censored network.

Theory of operation
-------------------
A probe inside a network cannot tell "blocked" from "broken" on its own: a site that does
not answer may be down for everybody. So Web Connectivity asks a **test helper** (TH)
outside the network to do the same work at the same moment, and compares. OONI runs the
helper, ``oohelperd``, at ``<n>.th.ooni.org`` (ooni/probe-cli ``internal/oohelperd``).
The probe sends it a JSON request over HTTPS (the URL, and the ``address:port`` endpoints
the probe resolved); the helper

1. looks the URL's name up with its own resolver,
2. connects over TCP to every endpoint, the probe's and its own (bogons excepted), on the
   URL's port, or on 80 and 443 for an ``http://`` URL, and does a TLS handshake on 443
   with the URL's name as SNI,
3. fetches the URL with an ordinary HTTP client that follows redirects (at most 10),

and answers with JSON: ``dns`` (``failure``, ``addrs``), ``tcp_connect`` and
``tls_handshake`` by endpoint, ``http_request`` (``status_code``, ``body_length``,
``headers``, ``title``, ``failure``; ``-1`` for the numbers when the fetch failed), and
``ip_info`` (each address's AS number and flags). Its failures use its own coarser names
(:func:`~censorsim.measure.failures.th_dns_failure` and friends).

Here the helper is a host like any other, in a network of its own that joins the
backbone, serving ``https://th.ooni.example/``. The probe reaches it through the censored
network, so a censor can block it too (by its name, its address or its SNI), and the
measurement then reports a ``control_failure``, as OONI's does when ``th.ooni.org`` is
blocked. Its resolver is a recursive resolver of its own, next to it, that nobody
censors; a world can make it see other DNS answers than the probe's (a CDN that answers
each region with nearby edges).

Simplifications, stated: no QUIC/HTTP3 check (``quic_handshake`` stays empty), no
cookies; the helper's HTTP client tries a name's addresses one after the other (as Go's
dialer does within one address family), speaks HTTP/1.1 only, and sends the simulator's
own ``User-Agent`` and ``Accept`` (those the control request lists) without its
``Accept-Language``, which ``oohelperd`` copies too.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Generator
from urllib.parse import urljoin, urlsplit

import dns.rdatatype

from censorsim.core.clock import Event
from censorsim.core.net import Host, Network
from censorsim.measure import steps
from censorsim.measure.addresses import asn_of, is_bogon
from censorsim.measure.failures import (
    ooni_failure,
    th_dns_failure,
    th_http_failure,
    th_tcp_failure,
)
from censorsim.names import normalize_name
from censorsim.protocols.dns import RecursiveResolver
from censorsim.protocols.http import request_bytes
from censorsim.protocols.web import WebServer

__all__ = ["TestHelper", "add_test_helper", "THIP_FLAGS", "go_headers", "html_title"]

#: ``ip_info`` flags (ooni/probe-cli ``internal/model/th.go``).
THIP_FLAGS = {
    "resolved_by_probe": 1,
    "resolved_by_th": 2,
    "is_bogon": 4,
    "valid_for_domain": 8,
}
DNS_TIMEOUT = 4.0  # oohelperd/dns.go
TCP_TLS_TIMEOUT = 15.0  # oohelperd/tcptls.go
HTTP_TIMEOUT = 15.0  # oohelperd/http.go
MAX_REDIRECTS = 10  # Go's http.Client
MAX_BODY = 1 << 24  # oohelperd/handler.go: maxAcceptableBodySize


def go_headers(response) -> dict[str, str]:
    """A response's headers as Go's HTTP client hands them to OONI: names in canonical form
    (``X-Cache``), the last value of each, and no ``Connection: close`` (Go's client
    removes it when it reads the response: ``shouldClose`` in ``net/http/transfer.go``)."""
    out: dict[str, str] = {}
    for name, value in response.headers:
        if name.lower() == "connection" and "close" in value.lower():
            continue
        out["-".join(part.capitalize() for part in name.split("-"))] = value
    return out


def html_title(body: bytes | str) -> str:
    """The page's title as OONI reads it (``measurexlite.WebGetTitle``): the text between
    the first ``<title>`` and ``</title>``, any case, 1 to 512 characters without ``<``.

    >>> html_title("<html><TITLE>Just a moment...</TITLE>"), html_title("no title")
    ('Just a moment...', '')
    """
    import re

    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    match = re.search(r"(?i)<title>([^<]{1,512})</title>", text)
    return match.group(1) if match else ""


class TestHelper:
    """OONI's Web Connectivity test helper on a host of the world (see the module).

    Make one with :func:`add_test_helper`. ``url`` is where probes reach it; ``host`` is
    the server and ``resolver`` the host of its own recursive resolver; ``requests``
    counts the control requests it answered.
    """

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, world, host: Host, name: str, resolver: Host):
        self.world = world
        self.host = host
        self.name = name
        self.resolver = resolver
        self.url = f"https://{name}/"
        self.requests = 0
        self._rng = world.rng(f"measure-tls:{host.name}")
        WebServer(
            host,
            (name,),
            ca=world.ca,
            handlers={"/": self._handle},
            http=False,
            server_header="oohelperd",
        )

    def __repr__(self) -> str:
        return f"<TestHelper {self.url} on {self.host.name} {', '.join(map(str, self.addresses))}>"

    @property
    def addresses(self) -> tuple:
        return self.host.addresses

    @property
    def network(self) -> Network:
        return self.host.network

    # -- the HTTP API ----------------------------------------------------------------------
    def _handle(self, request, reply) -> None:
        if request.method != "POST":
            reply(405, b"use POST with a JSON control request\n", {})
            return
        try:
            creq = json.loads(request.body)
            url = creq["http_request"]
            endpoints = list(creq.get("tcp_connect") or [])
            if not isinstance(url, str) or not all(isinstance(e, str) for e in endpoints):
                raise TypeError("http_request must be a string, tcp_connect a list of strings")
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"{url!r} is not an http:// or https:// URL")
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            reply(400, f"bad control request: {exc}\n".encode(), {})
            return
        self.requests += 1

        def run():
            response = yield from self.measure(url, endpoints)
            body = json.dumps(response, sort_keys=True).encode()
            reply(200, body, {"Content-Type": "application/json"})

        self.host.internet.loop.process(run())

    # -- the measurement -------------------------------------------------------------------
    def measure(self, url: str, endpoints: list[str]) -> Generator[Event, object, dict]:
        """The control response for ``url`` and the probe's ``endpoints`` (a process)."""
        loop = self.host.internet.loop
        parts = urlsplit(url)
        hostname = parts.hostname
        try:
            ipaddress.ip_address(hostname)
            literal = True
        except ValueError:
            literal = False
        if literal:
            dns_result = {"failure": None, "addrs": []}
        else:
            failure, addrs = yield from self._lookup_host(normalize_name(hostname))
            dns_result = {"failure": th_dns_failure(failure), "addrs": [str(a) for a in addrs]}
        ip_info = self._ip_info(endpoints, dns_result["addrs"])
        if parts.port is not None:
            ports = [parts.port]
        elif parts.scheme == "https":
            ports = [443]
        else:
            ports = [80, 443]
        todo = sorted(
            (
                (_endpoint(address, port), address, port)
                for address, info in ip_info.items()
                if not info["flags"] & THIP_FLAGS["is_bogon"]
                for port in ports
            ),
            key=lambda item: item[0],
        )
        tcp_procs = [
            loop.process(self._tcp_tls(address, port, hostname if port == 443 else None))
            for _, address, port in todo
        ]
        http_proc = loop.process(self._http(url))
        for proc in (*tcp_procs, http_proc):
            if not proc.triggered:
                yield proc
        tcp_connect, tls_handshake = {}, {}
        for (name, address, _), proc in zip(todo, tcp_procs, strict=True):
            tcp, tls = proc.value
            tcp_connect[name] = tcp
            if tls is not None:
                tls_handshake[name] = tls
                if tls["failure"] is None:
                    ip_info[address]["flags"] |= THIP_FLAGS["valid_for_domain"]
        response = {
            "tcp_connect": tcp_connect,
            "quic_handshake": {},
            "http_request": http_proc.value,
            "http3_request": None,
            "dns": dns_result,
        }
        if tls_handshake:  # Go's encoding leaves these two out when empty (omitempty)
            response["tls_handshake"] = tls_handshake
        if ip_info:
            response["ip_info"] = ip_info
        return response

    def _ip_info(self, endpoints: list[str], addrs: list[str]) -> dict:
        flags: dict[str, int] = {}
        for endpoint in endpoints:
            address = _split_endpoint(endpoint)
            if address is not None:
                flags[address] = flags.get(address, 0) | THIP_FLAGS["resolved_by_probe"]
        for address in addrs:
            flags[address] = flags.get(address, 0) | THIP_FLAGS["resolved_by_th"]
        info = {}
        for address, value in flags.items():
            if is_bogon(address):
                value |= THIP_FLAGS["is_bogon"]
            info[address] = {"asn": asn_of(self.world, address) or 0, "flags": value}
        return info

    def _lookup_host(self, name: str):
        """Go's ``LookupHost`` with the helper's own resolver: A and AAAA together."""
        loop = self.host.internet.loop
        server = self.resolver.address
        four = loop.process(
            steps.lookup(self.host, server, name, dns.rdatatype.A, timeout=DNS_TIMEOUT)
        )
        six = loop.process(
            steps.lookup(self.host, server, name, dns.rdatatype.AAAA, timeout=DNS_TIMEOUT)
        )
        for proc in (four, six):
            if not proc.triggered:
                yield proc
        addrs = (*four.value.addresses, *six.value.addresses)
        if addrs:
            return None, addrs
        return ooni_failure(four.value.failure or six.value.failure or "dns:no-answer"), ()

    def _tcp_tls(self, address: str, port: int, server_name: str | None):
        host = self.host
        out = yield from steps.connect(host, ipaddress.ip_address(address), port, TCP_TLS_TIMEOUT)
        tcp = {"status": out.failure is None, "failure": th_tcp_failure(out.failure)}
        if out.failure is not None:
            return tcp, None
        sock = out.value
        if server_name is None:
            sock.close()
            return tcp, None
        remaining = max(0.001, TCP_TLS_TIMEOUT - (out.t - out.t0))
        hs = yield from steps.handshake(
            host, sock, self.world.ca, server_name, self._rng, remaining
        )
        if hs.failure is None:
            sock.send(hs.value.close())
            sock.close()
        return tcp, {
            "server_name": server_name,
            "status": hs.failure is None,
            "failure": hs.failure,
        }

    def _http(self, url: str):
        """Go's ``http.Client.Get``: follow up to 10 redirects, within 15 s."""
        loop = self.host.internet.loop
        deadline = loop.now + HTTP_TIMEOUT
        failed = {
            "body_length": -1,
            "discovered_h3_endpoint": "",
            "title": "",
            "headers": {},
            "status_code": -1,
        }
        for hop in range(MAX_REDIRECTS + 1):
            outcome, operation = yield from self._get(url, deadline)
            if outcome.failure is not None:
                return {**failed, "failure": th_http_failure(outcome.failure, operation)}
            response = outcome.value
            location = response.header("location")
            if response.status in (301, 302, 303, 307, 308) and location:
                if hop == MAX_REDIRECTS:
                    return {**failed, "failure": "unknown_error"}  # stopped after 10
                nxt = urljoin(url, location)
                parts = urlsplit(nxt)
                if parts.scheme not in ("http", "https") or not parts.hostname:
                    return {**failed, "failure": "unknown_error"}
                url = nxt
                continue
            return {
                "body_length": len(response.body),
                "discovered_h3_endpoint": "",
                "failure": None,
                "title": html_title(response.body),
                "headers": go_headers(response),
                "status_code": response.status,
            }
        raise AssertionError("unreachable")  # pragma: no cover

    def _get(self, url: str, deadline: float):
        """One GET of ``url``: ``(outcome, failed operation)``."""
        loop = self.host.internet.loop
        parts = urlsplit(url)
        hostname = parts.hostname
        secure = parts.scheme == "https"
        port = parts.port or (443 if secure else 80)
        try:
            addresses = (ipaddress.ip_address(hostname),)
            name = hostname
        except ValueError:
            name = normalize_name(hostname)
            failure, addresses = yield from self._lookup_host(name)
            if failure is not None:
                return steps.Outcome(failure, "lookup failed", loop.now, loop.now), "resolve"
        reachable = [a for a in addresses if any(h.version == a.version for h in self.addresses)]
        if not reachable:
            return steps.Outcome("network_unreachable", "", loop.now, loop.now), "connect"
        out = None
        for i, address in enumerate(reachable):
            remaining = deadline - loop.now
            if remaining <= 0:
                break
            share = max(2.0, remaining / (len(reachable) - i))  # Go's partialDeadline
            out = yield from steps.connect(self.host, address, port, min(share, remaining))
            if out.failure is None:
                break
        if out is None or out.failure is not None:
            failure = out.failure if out is not None else "generic_timeout_error"
            return steps.Outcome(failure, "", loop.now, loop.now), "connect"
        sock, session = out.value, None
        if secure:
            hs = yield from steps.handshake(
                self.host, sock, self.world.ca, name, self._rng, max(0.001, deadline - loop.now)
            )
            if hs.failure is not None:
                return hs, "tls_handshake"
            session = hs.value
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        default = 443 if secure else 80
        host_header = parts.hostname if port == default else f"{parts.hostname}:{port}"
        request = request_bytes("GET", target, host_header)
        rt = yield from steps.round_trip(
            self.host, sock, session, request, max(0.001, deadline - loop.now), MAX_BODY
        )
        return rt, "http_round_trip"


def _endpoint(address: str, port: int) -> str:
    """``address:port``, with IPv6 addresses in brackets (Go's ``net.JoinHostPort``)."""
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _split_endpoint(endpoint: str) -> str | None:
    """The address of an ``address:port`` endpoint, normalised; None when it is not one."""
    host, sep, port = endpoint.rpartition(":")
    if not sep or not port.isdigit():
        return None
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def add_test_helper(
    world,
    name: str = "th.ooni.example",
    *,
    prefixes=("198.19.240.0/24", "2001:db8:7e::/48"),
    asn: int | None = 64510,
    latency: float = 0.015,
    network: str = "ooni-th",
) -> TestHelper:
    """Put a Web Connectivity test helper into ``world``, outside every ISP.

    It gets a network of its own (``network``, with ``prefixes``, joined to the backbone),
    a server that answers control requests at ``https://<name>/``, published in DNS, and a
    recursive resolver of its own. The first helper added becomes ``world.test_helper``,
    which :func:`~censorsim.measure.web_connectivity` uses by default.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(
            f"name={name!r}: expected the helper's host name, such as 'th.ooni.example'"
        )
    name = normalize_name(name)
    try:
        net = world.add_network(network, "control", prefixes, latency=latency, asn=asn)
    except ValueError as exc:
        raise ValueError(
            f"cannot add the test helper's network {network!r}: {exc}; pass other "
            "prefixes=[...] (or network=...) to add_test_helper"
        ) from None
    addresses = [
        str(net.next_address(v)) for v in (4, 6) if any(p.version == v for p in net.prefixes)
    ]
    host = world.add_host(f"{network}-server", net, addresses)
    resolver_addresses = [
        str(net.next_address(v)) for v in (4, 6) if any(p.version == v for p in net.prefixes)
    ]
    resolver_host = world.add_host(f"{network}-resolver", net, resolver_addresses)
    resolver_host.resolver = RecursiveResolver(resolver_host, world.authoritative.address)
    helper = TestHelper(world, host, name, resolver_host)
    world.zone.add(name, host.addresses, ttl=3600)
    if getattr(world, "test_helper", None) is None:
        world.test_helper = helper
    return helper

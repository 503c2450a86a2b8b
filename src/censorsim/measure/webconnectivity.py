"""Web Connectivity: is this URL reachable from here, and if not, what stops it? (lesson 06)

Theory of operation
-------------------
OONI Probe's Web Connectivity test (ooni/spec ``nettests/ts-017-web-connectivity.md``;
ooni/probe-cli ``internal/experiment/webconnectivitylte``, the engine OONI Probe runs
today) measures one URL from a *probe* inside the network under study and asks a *test
helper* outside it (:mod:`censorsim.measure.helper`) to do the same. The probe:

1. looks the name up with the **system resolver** (``getaddrinfo``: here, the resolver
   the probe's operating system would use, its network's unless the probe was given an
   address), with a 4-second limit. Once it has answered, the probe also asks a
   well-known public resolver over UDP and listens 0.5 s more for late answers (an
   injected answer arrives first, the real one later: ``x_dns_duplicate_responses``),
   and, when told to, a DNS-over-HTTPS service, while the next steps run. Those extra
   lookups never decide the result: a DoH failure says something about the DoH service,
   not about the URL (ooni/probe#2274);
2. sends the test helper the URL, the endpoints the system resolver found and the
   headers of its GET (``x_control_request``), and keeps the answer (``control``, or
   ``control_failure`` when the helper cannot be reached: it can be blocked too);
3. connects over TCP to **every** address (``tcp_connect``), not only the first that
   works as a browser does, and does a TLS handshake with each for ``https``
   (``tls_handshakes``); for an ``http://`` URL without a port it also tries TLS on 443,
   to see whether each address really serves the name (``fetch_body=false``);
4. fetches the page on the first connection that is ready (``requests``, newest first),
   and follows redirects (301, 302, 307, 308; at most 10), resolving and connecting
   again at each step (``depth=1``, ``depth=2``...), without asking the helper again:
   the helper followed the redirects itself and only knows the final page;
5. measures the addresses that only the helper or the extra lookups found, for
   information (no ``classic`` tag).

Then :func:`censorsim.measure.analysis.analyse` compares, and fills the keys OONI
publishes: ``dns_experiment_failure``, ``dns_consistency``, ``control_failure``,
``http_experiment_failure``, ``body_length_match``, ``body_proportion``,
``status_code_match``, ``headers_match``, ``title_match``, ``blocking`` (False, ``"dns"``,
``"tcp_ip"``, ``"http-failure"``, ``"http-diff"``, or None when it cannot tell) and
``accessible``.

Simplifications, stated (files are in ooni/probe-cli's
``internal/experiment/webconnectivitylte`` unless a directory is named):

- The system resolver asks only for the address families the probe uses
  (``ip_version``), as ``getaddrinfo`` does with ``AI_ADDRCONFIG``; OONI's asks for both
  and lets the connections to a family the host lacks fail (so an IPv6-only probe that
  measures an IPv4-only site gets ``dns_no_answer`` here, and ``network_unreachable`` in
  OONI's probe, a false positive either way).
- Order of the lookups. Here the UDP and DoH lookups start once ``getaddrinfo`` has
  answered, with the connections, and the control request lists the system resolver's
  addresses only. OONI runs every lookup at the same time, waits for all of them, connects
  to every address any of them found, and sends them all to the helper
  (``dnsresolvers.go``). The addresses only the other lookups or the helper found are
  measured here after the rest, tagged ``fetch_body=false``; OONI measures them with the
  others and tags those of the URL's own scheme ``fetch_body=true`` (only the TLS checks
  on 443 of an ``http://`` URL are ``false``), and its priority selector lets them fetch
  when the system resolver found nothing. None of this changes a classic key: the classic
  analysis keeps only the answers of ``getaddrinfo`` and the endpoints of its addresses
  (``internal/minipipeline/classic.go``, ``ClassicFilter``); it changes the timings, and
  the extra endpoints' rows.
- HTTP/1.1 only: the TLS handshake offers ALPN ``http/1.1``, where OONI offers ``h2`` and
  ``http/1.1`` (``secureflow.go``) and may fetch over HTTP/2; no rule of the course reads
  the ALPN. No HTTP/3, no cookies.
- Headers. The GET sends, and records, the simulator's own ``User-Agent``
  (``censorsim/0.2``), ``Accept: */*`` and ``Accept-Language``, and no ``Referer``; OONI's
  sends a browser's ``User-Agent`` (``model.HTTPHeaderUserAgent``) and ``Accept``, and
  sets ``Referer`` (empty, then the previous URL after a redirect: ``secureflow.go``,
  ``cleartextflow.go``). The helper fetches with the simulator's defaults
  (:mod:`censorsim.measure.helper`), the control request's headers but
  ``Accept-Language``, where ``oohelperd`` copies all three
  (``internal/oohelperd/http.go``). No rule of the course reads these headers (Host rules
  read the ``Host`` line only).
- Not recorded: ``network_events`` (OONI's log of every read and write, with the
  throttling samples it takes during each flow), DNS ``whoami`` lookups
  (``x_dns_whoami``), ``x_blocking_flags`` and the other keys of OONI's newer analysis.
- Everything runs on the world's virtual clock, so a measurement repeats exactly; the
  connection that fetches is the first to be ready among the system resolver's
  addresses; failures are the simulator's, under OONI's names
  (:data:`~censorsim.measure.failures.OONI_FAILURES`).
"""

from __future__ import annotations

import copy
import ipaddress
import json
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import dns.message
import dns.rdatatype

from censorsim.client import Client, _Context
from censorsim.core.clock import Event
from censorsim.measure import steps
from censorsim.measure.addresses import asn_of, is_loopback
from censorsim.measure.analysis import analyse
from censorsim.measure.failures import INVALID_REDIRECT, TOO_MANY_REDIRECTS, ooni_failure
from censorsim.measure.helper import TestHelper, add_test_helper, go_headers
from censorsim.names import normalize_name
from censorsim.observe.trace import Recording, Trace
from censorsim.protocols.dns import failure_for_rcode
from censorsim.protocols.http import request_bytes, request_headers
from censorsim.wire import MalformedPacket, parse_dns
from censorsim.worlds.world import World

__all__ = ["web_connectivity", "WebConnectivityResult", "REDIRECT_STATUSES"]

DNS_TIMEOUT = 4.0  # dnsresolvers.go
TCP_TIMEOUT = 10.0  # secureflow.go, cleartextflow.go
TLS_TIMEOUT = 10.0
HTTP_TIMEOUT = 10.0
CONTROL_TIMEOUT = 30.0  # control.go
LATE_REPLIES = 0.5  # dnsresolvers.go, waitForLateReplies
MAX_REDIRECTS = 10
#: The statuses Web Connectivity follows (``httpredirect.go``; not 303).
REDIRECT_STATUSES = (301, 302, 307, 308)
_ACCEPT_LANGUAGE = ("Accept-Language", "en-US,en;q=0.9")


@dataclass(frozen=True)
class _URL:
    text: str  # as normalised: scheme://host[:port]/path?query
    scheme: str
    host: str
    port: int
    explicit_port: bool
    target: str
    literal: bool

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if self.literal and ":" in self.host else self.host
        return f"{host}:{self.port}" if self.explicit_port else host


def _parse(url: object) -> _URL:
    if not isinstance(url, str):
        raise ValueError(f"{url!r} is not a URL: expected a str such as 'https://bakery.example/'")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{url!r}: Web Connectivity measures http:// and https:// URLs only")
    if not parts.hostname:
        raise ValueError(f"{url!r} has no host name")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{url!r} has an invalid port: expected 1 to 65535") from None
    if port is not None and not 1 <= port <= 65535:
        raise ValueError(f"{url!r} has port {port}: expected 1 to 65535")
    try:
        host = str(ipaddress.ip_address(parts.hostname))
        literal = True
    except ValueError:
        host = normalize_name(parts.hostname)
        literal = False
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    shown = f"[{host}]" if literal and ":" in host else host
    text = f"{parts.scheme}://{shown}{f':{port}' if port is not None else ''}{target}"
    default = 443 if parts.scheme == "https" else 80
    return _URL(text, parts.scheme, host, port or default, port is not None, target, literal)


def _endpoint(address, port) -> str:
    address = str(address)
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _answers(addresses: Iterable) -> list[dict]:
    out = []
    for a in addresses:
        if a.version == 4:
            out.append({"answer_type": "A", "ipv4": str(a)})
        else:
            out.append({"answer_type": "AAAA", "ipv6": str(a)})
    return out


@dataclass(frozen=True, repr=False)
class WebConnectivityResult:
    """One Web Connectivity measurement: OONI's test keys, and how they were reached.

    The attributes named as OONI's keys hold plain values (str, bool, float, None):
    ``blocking`` is False, ``"dns"``, ``"tcp_ip"``, ``"http-failure"``,
    ``"http-diff"`` or None; ``accessible`` True, False or None. ``queries``,
    ``tcp_connect``, ``tls_handshakes``, ``requests`` (newest first) are OONI's archival
    records (plain dicts: ``tags`` say ``depth=N``, ``fetch_body=true|false`` and
    ``classic``); ``control`` is the test helper's answer. :attr:`test_keys` gives all
    of it as one JSON-ready dict, :meth:`endpoints` one row per endpoint,
    :meth:`summary` a text to read. Times are virtual seconds.
    """

    input: str
    probe: str
    probe_network: str
    probe_asn: int | None
    client_resolver: str | None
    test_helper: str | None
    dns_experiment_failure: str | None
    dns_consistency: str | None
    control_failure: str | None
    http_experiment_failure: str | None
    body_proportion: float
    body_length_match: bool | None
    status_code_match: bool | None
    headers_match: bool | None
    title_match: bool | None
    blocking: str | bool | None
    accessible: bool | None
    x_dns_flags: int
    queries: tuple = ()
    tcp_connect: tuple = ()
    tls_handshakes: tuple = ()
    requests: tuple = ()
    x_dns_duplicate_responses: tuple = ()
    x_control_request: dict | None = None
    control: dict | None = None
    measurement_start_time: float = 0.0
    test_runtime: float = 0.0
    trace: Trace | None = field(default=None, compare=False)

    _KEYS = (
        "client_resolver",
        "dns_experiment_failure",
        "dns_consistency",
        "control_failure",
        "http_experiment_failure",
        "body_length_match",
        "body_proportion",
        "status_code_match",
        "headers_match",
        "title_match",
        "blocking",
        "accessible",
        "x_dns_flags",
        "queries",
        "tcp_connect",
        "tls_handshakes",
        "requests",
        "x_dns_duplicate_responses",
        "x_control_request",
        "control",
    )

    def __repr__(self) -> str:
        return (
            f"<WebConnectivityResult {self.input} from {self.probe}: "
            f"blocking={self.blocking!r} accessible={self.accessible!r}>"
        )

    @property
    def test_keys(self) -> dict:
        """Every test key as OONI publishes it (a fresh, JSON-ready copy)."""
        out = {}
        for key in self._KEYS:
            value = getattr(self, key)
            out[key] = copy.deepcopy(list(value) if isinstance(value, tuple) else value)
        return out

    def endpoints(self) -> list[dict]:
        """One row per endpoint the probe tried: ``depth``, ``address``, ``port``,
        ``classic`` (from the system resolver), ``tcp``, ``tls``, ``http`` (None for
        success, OONI's failure, or ``"-"`` when not tried), ``status`` (the HTTP status
        it fetched, if any), and the control's ``control_tcp`` and ``control_tls``."""
        tls = {r["transaction_id"]: r for r in self.tls_handshakes}
        http = {r["transaction_id"]: r for r in self.requests}
        control = self.control or {}
        rows = []
        for record in sorted(self.tcp_connect, key=lambda r: r["transaction_id"]):
            txid = record["transaction_id"]
            endpoint = _endpoint(record["ip"], record["port"])
            tags = record["tags"]
            control_tcp = (control.get("tcp_connect") or {}).get(endpoint)
            control_tls = (control.get("tls_handshake") or {}).get(endpoint)
            depth = next(int(t[6:]) for t in tags if t.startswith("depth="))
            request = http.get(txid)
            rows.append(
                {
                    "depth": depth,
                    "address": record["ip"],
                    "port": record["port"],
                    "classic": "classic" in tags,
                    "tcp": record["status"]["failure"],
                    "tls": tls[txid]["failure"] if txid in tls else "-",
                    "http": request["failure"] if request else "-",
                    "status": request["response"]["code"] or None if request else None,
                    "control_tcp": "-" if control_tcp is None or depth else control_tcp["failure"],
                    "control_tls": "-" if control_tls is None or depth else control_tls["failure"],
                }
            )
        return rows

    def summary(self) -> str:
        """The measurement as a few lines of text: DNS, control, endpoints, verdict."""
        lines = [f"web_connectivity {self.input} from {self.probe} ({self.probe_network})"]
        for q in self.queries:
            addresses = [a.get("ipv4") or a.get("ipv6") for a in q["answers"]]
            depth = next((t for t in q["tags"] if t.startswith("depth=")), "")
            outcome = q["failure"] or ", ".join(addresses)
            lines.append(
                f"  DNS {q['engine']:<11} {q['hostname']} via {q['resolver_address']} "
                f"[{depth}]: {outcome}"
            )
        for late in self.x_dns_duplicate_responses:
            addresses = [a.get("ipv4") or a.get("ipv6") for a in late["answers"]]
            lines.append(
                f"  DNS late answer from {late['resolver_address']}: {', '.join(addresses)}"
            )
        if self.control is not None:
            dns_ = self.control["dns"]
            http = self.control["http_request"]
            page = http["failure"] or f"HTTP {http['status_code']}, {http['body_length']} bytes"
            lines.append(
                f"  control {self.test_helper}: DNS {dns_['failure'] or ', '.join(dns_['addrs'])}"
                f"; page {page}"
            )
        else:
            lines.append(f"  control {self.test_helper}: failed, {self.control_failure}")
        for row in self.endpoints():
            where = _endpoint(row["address"], row["port"])
            done = [f"TCP {row['tcp'] or 'ok'}"]
            if row["tls"] != "-":
                done.append(f"TLS {row['tls'] or 'ok'}")
            if row["http"] != "-":
                done.append(f"HTTP {row['http'] or row['status']}")
            control = ""
            if row["control_tcp"] != "-":
                control = f"   control: TCP {row['control_tcp'] or 'ok'}"
                if row["control_tls"] != "-":
                    control += f", TLS {row['control_tls'] or 'ok'}"
            kind = "" if row["classic"] else " (extra)"
            lines.append(f"  depth {row['depth']} {where:<28} {', '.join(done)}{kind}{control}")
        lines.append(
            f"  dns_consistency={self.dns_consistency!r} "
            f"http_experiment_failure={self.http_experiment_failure!r}"
        )
        if self.status_code_match is not None or self.body_length_match is not None:
            lines.append(
                f"  status_code_match={self.status_code_match!r} "
                f"body_length_match={self.body_length_match!r} "
                f"(body_proportion={self.body_proportion:.3f}) "
                f"headers_match={self.headers_match!r} title_match={self.title_match!r}"
            )
        lines.append(f"  blocking={self.blocking!r} accessible={self.accessible!r}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _helpers(world: World, test_helper) -> list[TestHelper]:
    if test_helper is None:
        test_helper = getattr(world, "test_helper", None) or add_test_helper(world)
    helpers = [test_helper] if isinstance(test_helper, TestHelper) else list(test_helper)
    if not helpers or not all(isinstance(h, TestHelper) for h in helpers):
        raise TypeError(
            f"test_helper={test_helper!r}: expected a TestHelper (cs.measure.add_test_helper) "
            "or a list of them"
        )
    for helper in helpers:
        if helper.world is not world:
            raise ValueError(f"{helper!r} belongs to another world")
    return helpers


def _system_resolver(probe: Client):
    spec = probe.resolver
    if spec == "isp" or spec.startswith("https://"):
        own = getattr(probe.host.network, "resolver", None)
        if own is None:
            raise ValueError(
                f"{probe.name} has no system resolver: its network "
                f"{probe.host.network.name!r} runs none; give it resolver=<address>"
            )
        return own.address
    return ipaddress.ip_address(spec)


def _udp_resolver(world: World, udp_resolver):
    if udp_resolver == "auto":
        public = getattr(world, "public_resolver", None)
        return public.address if public is not None else None
    if udp_resolver is None:
        return None
    try:
        return ipaddress.ip_address(udp_resolver)
    except ValueError:
        raise ValueError(
            f"udp_resolver={udp_resolver!r}: expected 'auto', None or a resolver's address"
        ) from None


class _Probe:
    """One run of the experiment: the probe's side, as a process of the world's loop."""

    def __init__(self, world, probe, url, helpers, udp_server, doh_url):
        self.world = world
        self.probe = probe
        self.host = probe.host
        self.loop = world.loop
        self.url = url
        self.helpers = helpers
        self.udp_server = udp_server
        self.doh = _parse(doh_url) if doh_url is not None else None
        self.system = _system_resolver(probe)
        self.rng = world.rng(f"measure-tls:{self.host.name}")
        self.versions = {4: [4], 6: [6], "dual": [6, 4]}[probe.ip_version]
        self.start = self.loop.now
        self._next_id = 0
        self.queries: list[dict] = []
        self.tcp_connect: list[dict] = []
        self.tls_handshakes: list[dict] = []
        self.requests: list[dict] = []
        self.late: list[dict] = []
        self.control_request: dict | None = None
        self.control: dict | None = None
        self.control_failure: str | None = None
        self.test_helper: str | None = helpers[0].url
        self.system_addresses: list = []
        self.extra_addresses: list = []

    # -- bookkeeping ---------------------------------------------------------------------
    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _t(self, when: float) -> float:
        return round(when - self.start, 9)

    def _rdtypes(self) -> list[int]:
        return [dns.rdatatype.AAAA if v == 6 else dns.rdatatype.A for v in self.versions]

    @staticmethod
    def _tags(depth: int, fetch: bool, classic: bool) -> list[str]:
        tags = ["classic"] if classic else []
        if depth < 1:
            tags.append("tcptls_experiment")
        return [*tags, f"depth={depth}", f"fetch_body={'true' if fetch else 'false'}"]

    def _reachable(self, address) -> bool:
        return address.version in self.versions and any(
            a.version == address.version for a in self.host.addresses
        )

    # -- the experiment --------------------------------------------------------------------
    def run(self) -> Generator[Event, object, None]:
        url, depth, left = self.url, 0, MAX_REDIRECTS
        control = None
        extras = []
        while True:
            addresses = yield from self._system_lookup(url, depth)
            if depth == 0:
                self.system_addresses = list(addresses)
                control = self.loop.process(self._control(url, addresses))
                if self.udp_server is not None and not url.literal:
                    extras.append(self.loop.process(self._udp_lookup(url.host)))
                if self.doh is not None and not url.literal:
                    extras.append(self.loop.process(self._doh_lookup(url.host)))
            final = yield from self._flows(url, depth, addresses)
            nxt = self._redirect(url, final, left)
            if nxt is None:
                break
            url, depth, left = nxt, depth + 1, left - 1
        for proc in (control, *extras):
            if proc is not None and not proc.triggered:
                yield proc
        yield from self._extra_flows()

    def _system_lookup(self, url: _URL, depth: int):
        """getaddrinfo: every address family the probe has, as one ``ANY`` lookup."""
        if url.literal:
            return [ipaddress.ip_address(url.host)]
        t0 = self.loop.now
        txid = self._id()
        procs = [
            self.loop.process(
                steps.lookup(self.host, self.system, url.host, rdtype, timeout=DNS_TIMEOUT)
            )
            for rdtype in self._rdtypes()
        ]
        for proc in procs:
            if not proc.triggered:
                yield proc
        lookups = [p.value for p in procs]
        addresses = [a for lookup in lookups for a in lookup.addresses]
        failure = None
        if not addresses:
            v4 = next((lk for lk in lookups if lk.rdtype == "A"), lookups[0])
            failure = ooni_failure(v4.failure or "dns:no-answer")
        self.queries.append(
            {
                "transaction_id": txid,
                "engine": "getaddrinfo",
                "hostname": url.host,
                "query_type": "ANY",
                "resolver_address": str(self.system),
                "failure": failure,
                "answers": _answers(addresses),
                "t0": self._t(t0),
                "t": self._t(self.loop.now),
                "tags": ["classic", f"depth={depth}"],
            }
        )
        return addresses

    def _flows(self, url: _URL, depth: int, addresses):
        """Every endpoint of this step at once; the first ready one fetches the page."""
        state: dict = {"fetching": None, "final": None}
        headers = [_ACCEPT_LANGUAGE]
        request = request_bytes("GET", url.target, url.host_header, headers)
        procs = []
        for address in addresses:
            if is_loopback(address) or not self._reachable(address):
                continue  # OONI never connects to loopback (ooni/probe#2397)
            secure = url.scheme == "https"
            name = url.host if secure else None
            flow = self._flow(url, depth, address, url.port, name, True, True, request, state)
            procs.append(self.loop.process(flow))
            if not secure and not url.explicit_port:  # extension E001: is it valid on 443?
                flow = self._flow(url, depth, address, 443, url.host, False, True, None, state)
                procs.append(self.loop.process(flow))
        for proc in procs:
            if not proc.triggered:
                yield proc
        return state["final"]

    def _flow(self, url, depth, address, port, server_name, fetch, classic, request, state):
        host, loop = self.host, self.loop
        txid = self._id()
        tags = self._tags(depth, fetch, classic)
        out = yield from steps.connect(host, address, port, TCP_TIMEOUT)
        self.tcp_connect.append(
            {
                "transaction_id": txid,
                "ip": str(address),
                "port": port,
                "status": {"success": out.failure is None, "failure": out.failure},
                "t0": self._t(out.t0),
                "t": self._t(out.t),
                "tags": tags,
            }
        )
        if out.failure is not None:
            return
        sock, session = out.value, None
        if server_name is not None:
            hs = yield from steps.handshake(
                host, sock, self.world.ca, server_name, self.rng, TLS_TIMEOUT
            )
            self.tls_handshakes.append(
                {
                    "transaction_id": txid,
                    "address": _endpoint(address, port),
                    "server_name": server_name,
                    "failure": hs.failure,
                    "tls_version": hs.value.version if hs.value is not None else None,
                    "t0": self._t(hs.t0),
                    "t": self._t(hs.t),
                    "tags": tags,
                }
            )
            if hs.failure is not None:
                return
            session = hs.value
        if not fetch or state["fetching"] is not None:
            if session is not None:
                sock.send(session.close())
            sock.close()
            return
        state["fetching"] = txid
        rt = yield from steps.round_trip(host, sock, session, request, HTTP_TIMEOUT)
        response = rt.value
        record = {
            "transaction_id": txid,
            "address": _endpoint(address, port),
            "failure": rt.failure,
            "request": {
                "method": "GET",
                "url": url.text,
                "headers": dict(request_headers(url.host_header, [_ACCEPT_LANGUAGE])),
            },
            "response": {
                "code": response.status if response is not None else 0,
                "headers": go_headers(response) if response is not None else {},
                "body": response.body.decode("utf-8", "replace") if response is not None else "",
                "body_is_truncated": rt.truncated,
            },
            "t0": self._t(rt.t0),
            "t": self._t(loop.now),
            "tags": tags,
        }
        self.requests.insert(0, record)  # OONI keeps them newest first
        state["final"] = (record, response)

    def _redirect(self, url: _URL, final, left: int) -> _URL | None:
        """The next URL when the page is a redirect Web Connectivity follows, else None
        (a bad or one-too-many redirect becomes the request's failure)."""
        if final is None:
            return None
        record, response = final
        if record["failure"] is not None or response.status not in REDIRECT_STATUSES:
            return None
        location = response.header("location")
        if location is None:
            record["failure"] = "unknown_failure: http: no Location header in response"
            return None
        parts = urlsplit(location)
        absolute = bool(parts.scheme) or location.startswith("//")
        if absolute and not parts.hostname:  # "http://": Go's resp.Location() has no host
            record["failure"] = INVALID_REDIRECT
            return None
        target = urljoin(url.text, location)
        scheme = urlsplit(target).scheme
        if scheme not in ("http", "https"):  # the words of Go's HTTP client
            record["failure"] = f'unknown_failure: unsupported protocol scheme "{scheme}"'
            return None
        try:
            nxt = _parse(target)
        except ValueError as exc:
            record["failure"] = f"unknown_failure: {exc}"
            return None
        if left <= 0:
            record["failure"] = TOO_MANY_REDIRECTS
            return None
        return nxt

    # -- the test helper -------------------------------------------------------------------
    def _control(self, url: _URL, addresses):
        endpoints = []
        for address in addresses:
            if url.explicit_port:
                endpoints.append(_endpoint(address, url.port))
            else:
                endpoints += [_endpoint(address, 443), _endpoint(address, 80)]
        creq = {
            "http_request": url.text,
            "http_request_headers": {  # the probe's own (control.go)
                name: [value]
                for name, value in sorted(request_headers(url.host_header, [_ACCEPT_LANGUAGE]))
                if name in ("Accept", "Accept-Language", "User-Agent")
            },
            "tcp_connect": endpoints,
            "x_quic_enabled": False,
        }
        self.control_request = creq
        body = json.dumps(creq).encode()
        for helper in self.helpers:
            failure, response = yield from self._https(
                helper.name, "/", body, "application/json", CONTROL_TIMEOUT
            )
            if failure is None and response.status != 200:
                failure = f"unknown_failure: the test helper answered HTTP {response.status}"
            if failure is None:
                try:
                    answer = json.loads(response.body)
                    if not isinstance(answer, dict) or "http_request" not in answer:
                        raise ValueError("not a control response")
                except ValueError:
                    failure = "json_parse_error"
                else:
                    self.control, self.control_failure = answer, None
                    self.test_helper = helper.url
                    return
            self.control_failure = failure
            self.test_helper = helper.url

    def _https(self, name: str, path: str, body: bytes, content_type: str, timeout: float):
        """POST ``body`` to ``https://name/path`` through the probe's network: ``(failure,
        response)``. Used to reach the test helper and DNS over HTTPS."""
        loop = self.loop
        deadline = loop.now + timeout
        addresses = []
        failure = None
        for rdtype in self._rdtypes():
            lookup = yield from steps.lookup(
                self.host, self.system, name, rdtype, timeout=min(DNS_TIMEOUT, timeout)
            )
            addresses += lookup.addresses
            failure = failure or lookup.failure
        if not addresses:
            return ooni_failure(failure or "dns:no-answer"), None
        request = request_bytes(
            "POST", path, name, [("Content-Type", content_type), ("Accept", content_type)], body
        )
        for address in addresses:
            remaining = deadline - loop.now
            if remaining <= 0:
                return "generic_timeout_error", None
            out = yield from steps.connect(self.host, address, 443, min(TCP_TIMEOUT, remaining))
            if out.failure is not None:
                failure = out.failure
                continue
            hs = yield from steps.handshake(
                self.host, out.value, self.world.ca, name, self.rng, max(0.001, deadline - loop.now)
            )
            if hs.failure is not None:
                failure = hs.failure
                continue
            rt = yield from steps.round_trip(
                self.host, out.value, hs.value, request, max(0.001, deadline - loop.now)
            )
            if rt.failure is not None:
                failure = rt.failure
                continue
            return None, rt.value
        return failure, None

    # -- extra lookups (extensions E003, E004) and the addresses they find ------------------
    def _udp_lookup(self, name: str):
        for rdtype in self._rdtypes():
            txid = self._id()
            t0 = self.loop.now
            lookup = yield from steps.lookup(
                self.host, self.udp_server, name, rdtype, timeout=DNS_TIMEOUT, wait=LATE_REPLIES
            )
            rdtext = dns.rdatatype.to_text(rdtype)
            where = _endpoint(self.udp_server, 53)
            self.queries.append(
                {
                    "transaction_id": txid,
                    "engine": "udp",
                    "hostname": name,
                    "query_type": rdtext,
                    "resolver_address": where,
                    "failure": ooni_failure(lookup.failure),
                    "answers": _answers(lookup.addresses),
                    "t0": self._t(t0),
                    "t": self._t(self.loop.now),
                    "tags": ["depth=0"],
                }
            )
            self.extra_addresses += lookup.addresses
            for late in lookup.late:
                self.late.append(
                    {
                        "transaction_id": txid,
                        "engine": "udp",
                        "hostname": name,
                        "query_type": rdtext,
                        "resolver_address": where,
                        "answers": _answers(late),
                        "tags": ["depth=0"],
                    }
                )

    def _doh_lookup(self, name: str):
        doh = self.doh
        for rdtype in self._rdtypes():
            txid = self._id()
            t0 = self.loop.now
            query = dns.message.make_query(name, rdtype, id=0)
            failure, response = yield from self._https(
                doh.host, doh.target, query.to_wire(), "application/dns-message", DNS_TIMEOUT
            )
            addresses: tuple = ()
            if failure is None:
                try:
                    message = parse_dns(response.body)
                except MalformedPacket:
                    failure = "dns_server_misbehaving"
                else:
                    addresses = tuple(
                        ipaddress.ip_address(rd.address)
                        for rrset in message.answer
                        if rrset.rdtype == rdtype
                        for rd in rrset
                    )
                    failure = ooni_failure(failure_for_rcode(message.rcode(), addresses))
            self.queries.append(
                {
                    "transaction_id": txid,
                    "engine": "doh",
                    "hostname": name,
                    "query_type": dns.rdatatype.to_text(rdtype),
                    "resolver_address": doh.text,
                    "failure": failure,
                    "answers": _answers(addresses),
                    "t0": self._t(t0),
                    "t": self._t(self.loop.now),
                    "tags": ["depth=0"],
                }
            )
            self.extra_addresses += addresses

    def _extra_flows(self):
        """Connectivity checks of the addresses only the helper or the extra lookups found
        (OONI's extension E005 and its other resolvers), for information."""
        url = self.url
        if url.literal:
            return
        found = list(self.extra_addresses)
        if self.control is not None:
            for text in self.control.get("dns", {}).get("addrs") or ():
                try:
                    found.append(ipaddress.ip_address(text))
                except ValueError:
                    continue
        known = set(self.system_addresses)
        todo = []
        for address in dict.fromkeys(found):
            if address in known or is_loopback(address) or not self._reachable(address):
                continue
            secure = url.scheme == "https"
            todo.append((address, url.port, url.host if secure else None))
            if not secure and not url.explicit_port:
                todo.append((address, 443, url.host))
        state = {"fetching": "nobody", "final": None}
        procs = [
            self.loop.process(self._flow(url, 0, a, port, name, False, False, None, state))
            for a, port, name in todo
        ]
        for proc in procs:
            if not proc.triggered:
                yield proc


def web_connectivity(
    world: World,
    probe: Client,
    url: str,
    *,
    test_helper: TestHelper | list[TestHelper] | None = None,
    udp_resolver: str | None = "auto",
    doh_url: str | None = None,
) -> WebConnectivityResult:
    """Measure ``url`` from ``probe`` as OONI Probe's Web Connectivity does (lesson 06).

    ``probe`` is a :class:`~censorsim.Client` of ``world`` (a subscriber of the network
    under study). ``test_helper`` is the control to ask (a
    :class:`~censorsim.measure.TestHelper`, or a list tried in order); by default
    ``world.test_helper``, added with :func:`add_test_helper` on first use.
    ``udp_resolver`` is the public resolver asked over UDP on the side (``"auto"``: the
    world's public resolver, if it has one; None: none); ``doh_url`` a DNS-over-HTTPS
    service asked too. Neither decides the result. Returns a
    :class:`WebConnectivityResult`. Everything runs in the world's virtual time: the
    world's clock moves on by the time the measurement took.
    """
    if not isinstance(world, World):
        raise TypeError(f"world={world!r}: expected a World (cs.worlds.football_night(), ...)")
    if not isinstance(probe, Client):
        raise TypeError(f"probe={probe!r}: expected a Client, such as world.client('alice')")
    if probe.host.internet is not world:
        raise ValueError(f"{probe!r} is a client of another world")
    parsed = _parse(url)
    helpers = _helpers(world, test_helper)
    udp_server = _udp_resolver(world, udp_resolver)
    run = _Probe(world, probe, parsed, helpers, udp_server, doh_url)
    context = _Context(f"web_connectivity {parsed.text} from {probe.name}")
    with Recording(world, probe.host.name, context=context) as rec:
        world.run(run.run(), context=context)
    data = {
        "queries": run.queries,
        "tcp_connect": run.tcp_connect,
        "tls_handshakes": run.tls_handshakes,
        "requests": run.requests,
        "x_control_request": run.control_request,
        "control": run.control,
    }
    keys = analyse(data, lambda address: asn_of(world, address))
    network = probe.host.network
    return WebConnectivityResult(
        input=url,
        probe=probe.name,
        probe_network=network.name,
        probe_asn=asn_of(world, probe.address),
        client_resolver=str(run.system),
        test_helper=run.test_helper,
        control_failure=run.control_failure,
        queries=tuple(run.queries),
        tcp_connect=tuple(run.tcp_connect),
        tls_handshakes=tuple(run.tls_handshakes),
        requests=tuple(run.requests),
        x_dns_duplicate_responses=tuple(run.late),
        x_control_request=run.control_request,
        control=run.control,
        measurement_start_time=run.start,
        test_runtime=round(world.now - run.start, 9),
        trace=rec.trace,
        **keys,
    )

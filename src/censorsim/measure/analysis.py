"""How Web Connectivity turns what the probe and the control saw into ``blocking``.

This is a port of OONI Probe's current analysis, not of the older write-ups: the
"classic" analysis of ``webconnectivitylte`` (ooni/probe-cli
``internal/experiment/webconnectivitylte/analysisclassic.go`` and
``analysishttpdiff.go``) on top of the *minipipeline* (``internal/minipipeline``:
``observation.go``, ``classic.go``, ``analysis.go``, ``dnsdiff.go``, ``httpdiff.go``),
with the same names where that helps to read both side by side. It reads plain data in
OONI's archival formats (``queries``, ``tcp_connect``, ``tls_handshakes``, ``requests``,
the control request and response), so it would analyse a real OONI measurement too.

Theory of operation
-------------------
1. **Observations.** Every DNS answer, and every endpoint (``address:port``) with how far
   it got (TCP connect, TLS handshake, HTTP round trip), becomes one *web observation*
   with a single failure: the failure of the last operation tried.
2. **Control.** Each observation is matched with what the test helper saw for the same
   name or endpoint; the helper's fetch of the whole URL is the *expectation* for the
   final page.
3. **Classic filter.** Only what the system resolver (``getaddrinfo``) resolved, and the
   endpoints meant to fetch the page, count: the probe's other lookups (DNS over UDP to a
   public resolver, DNS over HTTPS) and the helper's addresses are extra information.
4. **DNS consistency.** The probe's answer is *consistent* with the control's when they
   share an address, or when their addresses share an autonomous system (CDNs give
   different addresses to different places, from the same AS). A bogon is only a flag:
   it has no AS, so a bogon that the probe alone gets is inconsistent, but a site that
   really points at ``127.0.0.1`` is consistent for both. A failed lookup where the
   control succeeded is inconsistent; a lookup that failed for both is consistent.
5. **HTTP comparison** of the final page (status 2xx, 4xx or 5xx) with the control's,
   over HTTP and HTTPS alike (``httpHandleFinalResponse``; only over HTTP does it decide):
   ``status_code_match`` (equal, judged only when the control got a 2xx or the codes are
   equal), ``body_length_match`` (the smaller length over the larger is above 0.7; not
   judged for a truncated body), ``headers_match`` (at least one *uncommon* header name
   in both: not in :data:`COMMON_HEADERS`), ``title_match`` (every word of 5 bytes or
   more of either title appears in both). The page differs (``http-diff``) unless the
   status matches *and* one of the other three matches.
6. **Decision.** Walk the observations from the last redirect back to the first and, in
   each, from the deepest operation (HTTP, TLS, TCP, DNS); the first that explains the
   outcome decides (:func:`decide`). A failure the control shared means the site is down
   (``blocking`` False, ``accessible`` False); a failure of the probe alone names the
   stage (``dns``, ``tcp_ip``, ``http-failure`` for TLS and HTTP alike); a final page
   over HTTPS is accessible (a censor cannot forge it without a certificate error); over
   HTTP it is compared with the control's. Whenever the DNS was inconsistent, a blocked
   outcome is reported as ``dns``, the first cause. Past the first redirect the control
   knows nothing about connections, only about the final page: a failure there is
   blocking when the control fetched the page (``http-failure`` even for a TCP failure,
   ``dns`` for a DNS failure).

Where the course departs from ooni/probe-cli: nothing in the decision; the observations
come from the simulator's probe (:mod:`censorsim.measure.webconnectivity`) and the AS
numbers from the world (:func:`~censorsim.measure.addresses.asn_of`) instead of a GeoIP
database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from censorsim.measure.addresses import is_bogon, is_loopback
from censorsim.measure.helper import html_title

__all__ = [
    "COMMON_HEADERS",
    "BODY_PROPORTION_FACTOR",
    "MIN_TITLE_WORD",
    "Observation",
    "analyse",
    "body_proportion",
    "status_code_match",
    "uncommon_headers_intersection",
    "title_different_long_words",
    "http_diff",
]

#: Header names seen in most responses, which say nothing about whether two pages are the
#: same site (``minipipeline/httpdiff.go``, ``httpDiffCommonHeaders``). Note what is not in
#: the list: ``content-length``, which Go's HTTP client keeps, so two pages that both carry
#: it share an "uncommon" header.
COMMON_HEADERS = frozenset(
    {
        "date",
        "content-type",
        "server",
        "cache-control",
        "vary",
        "set-cookie",
        "location",
        "expires",
        "x-powered-by",
        "content-encoding",
        "last-modified",
        "accept-ranges",
        "pragma",
        "x-frame-options",
        "etag",
        "x-content-type-options",
        "age",
        "via",
        "p3p",
        "x-xss-protection",
        "content-language",
        "cf-ray",
        "strict-transport-security",
        "link",
        "x-varnish",
    }
)
#: A body whose length is within this proportion of the control's matches it.
BODY_PROPORTION_FACTOR = 0.7
#: Title words shorter than this many bytes are ignored (``httpdiff.go``: "5 is the
#: average word length for english"). ts-017 (version 2024-02-14-001) says "longer than 4
#: characters", and "at least one word in common" where the code wants no word to differ;
#: its version 2024-02-09-001 spoke of the first word of each title only.
MIN_TITLE_WORD = 5

_DNS, _TCP, _TLS, _HTTP = 0, 1, 2, 3  # minipipeline's WebObservationType, in order
_TYPE_NAMES = {_DNS: "dns", _TCP: "tcp", _TLS: "tls", _HTTP: "http"}


# -- the four HTTP comparisons (minipipeline/httpdiff.go) ---------------------------------
def body_proportion(measurement: int, control: int) -> float:
    """The smaller body length over the larger (``ComputeHTTPDiffBodyProportionFactor``).

    >>> body_proportion(170, 200), body_proportion(200, 170)
    (0.85, 0.85)
    """
    if measurement >= control:
        return control / measurement
    return measurement / control


def status_code_match(measurement: int, control: int) -> bool | None:
    """Whether the status codes match (``ComputeHTTPDiffStatusCodeMatch``): equal codes
    match; different codes do not, unless the control's code is not a 2xx, in which case
    nothing is said (None), since the control itself may have met trouble.

    >>> status_code_match(451, 200), status_code_match(404, 404), status_code_match(200, 403)
    (False, True, None)
    """
    good = measurement == control
    if not good and control // 100 != 2:
        return None
    return good


def uncommon_headers_intersection(measurement: Iterable[str], control: Iterable[str]) -> set:
    """The header names, in lower case, that both responses have and that are not in
    :data:`COMMON_HEADERS` (``ComputeHTTPDiffUncommonHeadersIntersection``).

    >>> sorted(uncommon_headers_intersection(["Server", "X-Cache"], ["x-cache", "Date"]))
    ['x-cache']
    """
    probe = {k.lower() for k in measurement} - COMMON_HEADERS
    return probe & ({k.lower() for k in control} - COMMON_HEADERS)


def title_different_long_words(measurement: str, control: str) -> set:
    """The long words (at least :data:`MIN_TITLE_WORD` bytes, lower case, split at
    spaces) that appear in one title and not in the other
    (``ComputeHTTPDiffTitleDifferentLongWords``): the titles match when it is empty.

    >>> sorted(title_different_long_words("Just a moment...", "La Espiga bakery"))
    ['bakery', 'espiga', 'moment...']
    """

    def words(title: str) -> set:
        return {w.lower() for w in title.split(" ") if len(w.encode()) >= MIN_TITLE_WORD}

    return words(measurement) ^ words(control)


def http_diff(
    status_code_match: bool | None,
    body_length_match: bool | None,
    headers_match: bool | None,
    title_match: bool | None,
) -> bool:
    """Whether the probe's page differs from the control's (``analysisHTTPDiffAlgorithm``):
    it is the same page only when the status matches and so does the body length, the
    uncommon headers or the title.

    >>> http_diff(True, False, False, True), http_diff(True, True, None, None)
    (False, False)
    >>> http_diff(False, True, True, True), http_diff(None, True, True, True)
    (True, True)
    """
    if status_code_match:
        if body_length_match or headers_match or title_match:
            return False
    return True


# -- observations (minipipeline/observation.go) -------------------------------------------
@dataclass(eq=False)
class Observation:
    """One web observation: a DNS answer or an endpoint, with its one failure (``""`` for
    success, None when unknown) and what the control saw for it. Fields left None are
    unknown, as ``optional.None`` is in the Go code."""

    type: int
    txid: int
    failure: str | None = None
    depth: int | None = None
    fetch_body: bool | None = None
    dns_txid: int | None = None
    dns_domain: str | None = None
    dns_failure: str | None = None
    dns_query_type: str | None = None
    dns_engine: str | None = None
    dns_addrs: frozenset | None = None
    ip_origin: str | None = None
    ip: str | None = None
    ip_asn: int | None = None
    ip_bogon: bool | None = None
    endpoint: str | None = None
    tcp_failure: str | None = None
    tls_failure: str | None = None
    tls_server_name: str | None = None
    http_failure: str | None = None
    http_status: int | None = None
    http_body_length: int | None = None
    http_body_truncated: bool | None = None
    http_header_keys: frozenset | None = None
    http_title: str | None = None
    http_is_final: bool | None = None
    control_dns_failure: str | None = None
    control_dns_addrs: frozenset | None = None
    control_tcp_failure: str | None = None
    control_tls_failure: str | None = None
    control_http_failure: str | None = None
    control_http_status: int | None = None
    control_http_body_length: int | None = None
    control_http_header_keys: frozenset | None = None
    control_http_title: str | None = None

    def copy(self, **changes) -> Observation:
        return Observation(**{**self.__dict__, **changes})

    @property
    def kind(self) -> str:
        """``dns``, ``tcp``, ``tls`` or ``http``: how far this observation got."""
        return _TYPE_NAMES[self.type]


@dataclass
class _Container:
    dns_failures: list = field(default_factory=list)
    dns_successes: list = field(default_factory=list)
    endpoints: dict = field(default_factory=dict)  # txid -> Observation
    known: dict = field(default_factory=dict)  # address -> the first DNS obs that gave it
    control_dns_addrs: frozenset | None = None  # ControlExpectations.DNSAddresses
    control_final_failure: str | None = None


def _tag_depth(tags) -> int | None:
    value = None
    for tag in tags or ():
        if tag.startswith("depth="):
            try:
                value = int(tag[6:])
            except ValueError:
                continue
    return value


def _tag_fetch_body(tags) -> bool | None:
    value = None
    for tag in tags or ():
        if tag.startswith("fetch_body="):
            value = tag[11:] == "true"
    return value


def _endpoint(address: str, port) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _answers(query: dict) -> list[str]:
    out = []
    for answer in query.get("answers") or ():
        if answer.get("answer_type") == "A":
            out.append(answer.get("ipv4"))
        elif answer.get("answer_type") == "AAAA":
            out.append(answer.get("ipv6"))
    return [a for a in out if a]


def _ingest(tk: dict, asn: Callable[[str], int | None]) -> _Container:
    c = _Container()
    queries = tk.get("queries") or ()
    # DNS failures first, then successes (IngestDNSLookupEvents)
    for q in queries:
        if q.get("failure") is None:
            continue
        c.dns_failures.append(
            Observation(
                _DNS,
                q.get("transaction_id", 0),
                failure=q["failure"],
                dns_txid=q.get("transaction_id", 0),
                dns_domain=q.get("hostname"),
                dns_failure=q["failure"],
                dns_query_type=q.get("query_type"),
                dns_engine=q.get("engine"),
                depth=_tag_depth(q.get("tags")),
            )
        )
    for q in queries:
        if q.get("failure") is not None:
            continue
        addrs = list(dict.fromkeys(_answers(q)))
        for ip in addrs:
            obs = Observation(
                _DNS,
                q.get("transaction_id", 0),
                failure="",
                dns_txid=q.get("transaction_id", 0),
                dns_domain=q.get("hostname"),
                dns_failure="",
                dns_query_type=q.get("query_type"),
                dns_engine=q.get("engine"),
                dns_addrs=frozenset(addrs),
                ip_origin="dns",
                ip=ip,
                ip_asn=asn(ip),
                ip_bogon=is_bogon(ip),
                depth=_tag_depth(q.get("tags")),
            )
            c.dns_successes.append(obs)
            c.known.setdefault(ip, obs)
    # TCP connects (IngestTCPConnectEvents)
    for ev in tk.get("tcp_connect") or ():
        ip = ev["ip"]
        base = c.known.get(ip) or Observation(_TCP, 0, ip=ip, ip_asn=asn(ip), ip_bogon=is_bogon(ip))
        failure = (ev.get("status") or {}).get("failure") or ""
        txid = ev.get("transaction_id", 0)
        c.endpoints[txid] = Observation(
            _TCP,
            txid,
            failure=failure,
            dns_txid=base.dns_txid,
            dns_domain=base.dns_domain,
            dns_failure=base.dns_failure,
            dns_addrs=base.dns_addrs,
            ip_origin=base.ip_origin,
            ip=ip,
            ip_asn=base.ip_asn,
            ip_bogon=base.ip_bogon,
            endpoint=_endpoint(ip, ev["port"]),
            tcp_failure=failure,
            depth=_tag_depth(ev.get("tags")),
            fetch_body=_tag_fetch_body(ev.get("tags")),
        )
    # TLS handshakes, then HTTP round trips, by transaction
    for ev in tk.get("tls_handshakes") or ():
        obs = c.endpoints.get(ev.get("transaction_id"))
        if obs is None:
            continue
        obs.type = _TLS
        obs.failure = obs.tls_failure = ev.get("failure") or ""
        obs.tls_server_name = ev.get("server_name")
    for ev in tk.get("requests") or ():
        obs = c.endpoints.get(ev.get("transaction_id"))
        if obs is None:
            continue
        obs.type = _HTTP
        obs.failure = obs.http_failure = ev.get("failure") or ""
        if ev.get("failure") is None:
            response = ev.get("response") or {}
            body = response.get("body") or ""
            status = response.get("code", 0)
            obs.http_status = status
            obs.http_body_length = len(body.encode() if isinstance(body, str) else body)
            obs.http_body_truncated = bool(response.get("body_is_truncated"))
            obs.http_header_keys = frozenset(response.get("headers") or {})
            obs.http_title = html_title(body)
            obs.http_is_final = status // 100 in (2, 4, 5)
    return c


def _ingest_control(c: _Container, request: dict, response: dict) -> None:
    """IngestControlMessages: match each observation with the control's view."""
    domain = urlsplit(request["http_request"]).hostname or ""
    control_dns = response.get("dns") or {}
    dns_failure = control_dns.get("failure") or ""
    th_addrs = frozenset(control_dns.get("addrs") or ())
    for obs in (*c.dns_failures, *c.dns_successes):  # controlXrefDNSQueries
        if obs.dns_domain != domain:
            continue
        obs.control_dns_failure = dns_failure
        if dns_failure:
            continue
        obs.control_dns_addrs = th_addrs
    for obs in c.endpoints.values():  # controlMatchDNSLookupResults
        obs_domain = obs.dns_domain or ""
        if obs_domain == "" and obs.ip in th_addrs:
            obs.ip_origin = "th"
            obs.control_dns_failure = dns_failure
            obs.control_dns_addrs = th_addrs
            continue
        if obs_domain == "" or obs_domain != domain:
            continue
        obs.control_dns_failure = dns_failure
        if dns_failure:
            continue
        obs.control_dns_addrs = th_addrs
    tcp = response.get("tcp_connect") or {}
    tls = response.get("tls_handshake") or {}
    for obs in c.endpoints.values():  # controlXrefTCPIPFailures, controlXrefTLSFailures
        if obs.endpoint in tcp:
            obs.control_tcp_failure = tcp[obs.endpoint].get("failure") or ""
        if obs.tls_server_name is None:
            continue
        record = tls.get(obs.endpoint)
        if record is None or record.get("server_name") != obs.tls_server_name:
            continue
        obs.control_tls_failure = record.get("failure") or ""
    http = response.get("http_request") or {}
    http_failure = http.get("failure") or ""
    c.control_dns_addrs = th_addrs
    c.control_final_failure = http_failure
    for obs in (*c.dns_failures, *c.dns_successes, *c.endpoints.values()):
        obs.control_http_failure = http_failure
        if http_failure:
            continue
        obs.control_http_status = http.get("status_code")
        obs.control_http_body_length = http.get("body_length")
        obs.control_http_header_keys = frozenset(http.get("headers") or {})
        obs.control_http_title = http.get("title")


def _classic(c: _Container) -> _Container:
    """ClassicFilter: only the system resolver's lookups, their addresses, and the
    endpoints meant to fetch the page."""
    out = _Container(control_dns_addrs=c.control_dns_addrs)
    out.control_final_failure = c.control_final_failure
    system = ("getaddrinfo", "golang_net_resolver")
    out.dns_failures = [o for o in c.dns_failures if o.dns_engine in system]
    for obs in c.dns_successes:
        if obs.dns_engine in system:
            out.dns_successes.append(obs)
            out.known[obs.ip] = obs
    for txid, obs in c.endpoints.items():
        if obs.ip_origin == "th":
            continue
        if obs.ip_origin == "dns" and obs.ip not in out.known:
            continue
        if not obs.fetch_body:
            continue
        out.endpoints[txid] = obs
    return out


# -- the analysis (minipipeline/analysis.go, webconnectivitylte/analysisclassic.go) -------
@dataclass
class _Analysis:
    control: bool = False
    control_dns_addrs: frozenset = frozenset()
    dns_success: set = field(default_factory=set)
    dns_valid_classic: set = field(default_factory=set)
    dns_invalid_classic: set = field(default_factory=set)
    dns_bogon: set = field(default_factory=set)
    dns_unexpected_failure: set = field(default_factory=set)
    dns_expected_failure: set = field(default_factory=set)
    dns_experiment_failure: str | None = None
    final: Observation | None = None
    body_proportion: float | None = None
    status_code_match: bool | None = None
    uncommon_headers: set | None = None
    title_different_words: set | None = None
    linear: list = field(default_factory=list)


def _dns_success_metrics(a: _Analysis, c: _Container, asn) -> None:
    seen: set = set()
    for obs in c.dns_successes:
        if obs.dns_txid in seen:
            continue
        seen.add(obs.dns_txid)
        if obs.depth != 0:
            continue
        a.dns_success.add(obs.dns_txid)
        if obs.ip_bogon:
            a.dns_bogon.add(obs.dns_txid)  # a flag: bogons are judged like any address
        if obs.control_dns_addrs is None:
            continue
        probe, control = obs.dns_addrs or frozenset(), obs.control_dns_addrs
        if probe & control:
            a.dns_valid_classic.add(obs.dns_txid)
            continue
        probe_asns = {asn(ip) for ip in probe} - {None, 0}
        control_asns = {asn(ip) for ip in control} - {None, 0}
        if probe_asns & control_asns:
            a.dns_valid_classic.add(obs.dns_txid)
            continue
        a.dns_invalid_classic.add(obs.dns_txid)


def _dns_failure_metrics(a: _Analysis, c: _Container) -> None:
    seen: set = set()
    for obs in c.dns_failures:
        if obs.dns_txid in seen:
            continue
        seen.add(obs.dns_txid)
        if obs.dns_engine == "doh":  # a DoH failure says nothing about the URL (#2274)
            continue
        if obs.dns_query_type == "AAAA" and obs.dns_failure == "dns_no_answer":
            continue
        if obs.depth != 0:
            continue
        if obs.dns_failure and a.dns_experiment_failure is None:
            a.dns_experiment_failure = obs.dns_failure
        if obs.control_dns_failure is None:
            continue
        if obs.dns_failure and obs.control_dns_failure:
            a.dns_expected_failure.add(obs.dns_txid)
            continue
        if obs.control_dns_failure:
            continue
        if obs.dns_failure:
            if obs.dns_failure == "dns_no_answer" and not obs.control_dns_addrs:
                a.dns_expected_failure.add(obs.dns_txid)
                continue
            a.dns_unexpected_failure.add(obs.dns_txid)


def _final_response(a: _Analysis, c: _Container) -> None:
    for obs in sorted(c.endpoints.values(), key=lambda o: o.txid):
        if not obs.http_is_final:
            continue
        a.final = obs
        if obs.control_http_failure is None:
            return
        control_status = obs.control_http_status or 0
        length = obs.http_body_length or 0
        control_length = obs.control_http_body_length or 0
        if length > 0 and not obs.http_body_truncated and control_length > 0:
            a.body_proportion = body_proportion(length, control_length)
        if (obs.http_status or 0) > 0 and control_status > 0:
            a.status_code_match = status_code_match(obs.http_status, control_status)
        if control_status > 0:
            a.uncommon_headers = uncommon_headers_intersection(
                obs.http_header_keys or (), obs.control_http_header_keys or ()
            )
            a.title_different_words = title_different_long_words(
                obs.http_title or "", obs.control_http_title or ""
            )
        return


def _linear(c: _Container) -> list:
    """NewLinearWebAnalysis: the last redirect first; in each, HTTP, TLS, TCP, DNS; in
    each, successes first, then failures by name; then by transaction, newest first."""
    items = [*c.dns_failures, *c.dns_successes, *c.endpoints.values()]

    def key(obs: Observation):
        depth = obs.depth if obs.depth is not None else -1
        failure = obs.failure if obs.failure is not None else "unknown_failure"
        return (-depth, -obs.type, failure, -obs.txid)

    return sorted(items, key=key)


def _dns_consistency(a: _Analysis) -> str | None:
    if (
        not a.dns_unexpected_failure
        and not a.dns_invalid_classic
        and (a.dns_valid_classic or a.dns_expected_failure)
    ):
        return "consistent"
    if (
        a.dns_invalid_classic
        or a.dns_unexpected_failure
        or (a.dns_success and a.control and not a.control_dns_addrs)
    ):
        return "inconsistent"
    return None


def _only_loopback(addrs) -> bool:
    addrs = [a for a in addrs or () if a]
    return bool(addrs) and all(is_loopback(a) for a in addrs)


def decide(linear: list, dns_consistency: str | None, diff: Callable[[], bool]) -> dict:
    """``blocking``, ``accessible`` and ``http_experiment_failure`` from the sorted
    observations (``analysisClassicComputeBlockingAccessible``); see the module."""
    out: dict = {"blocking": None, "accessible": None, "http_experiment_failure": None}
    inconsistent = dns_consistency == "inconsistent"

    def blocked(value: str, failure=None) -> dict:  # setBlockingString
        out.update(blocking="dns" if inconsistent else value, accessible=False)
        if failure is not None:
            out["http_experiment_failure"] = failure
        return out

    def unknown(failure=None) -> dict:  # setBlockingNil
        if inconsistent:
            out.update(blocking="dns", accessible=False)
        if failure is not None:
            out["http_experiment_failure"] = failure
        return out

    def down(failure=None) -> dict:  # setWebsiteDown
        out.update(blocking="dns" if inconsistent else False, accessible=False)
        if failure is not None:
            out["http_experiment_failure"] = failure
        return out

    def fine(failure=None) -> dict:  # setBlockingFalse
        out.update(blocking=False, accessible=True)
        if failure is not None:
            out["http_experiment_failure"] = failure
        return out

    for obs in linear:
        failure = obs.failure
        if obs.http_is_final:  # 1. a final page (2xx, 4xx, 5xx)
            if obs.tls_failure == "":
                return fine()  # 1.1 over TLS: nobody forged it
            if obs.control_http_failure is None:
                return unknown()  # 1.2
            return fine() if not diff() else blocked("http-diff")  # 1.3, 1.4
        if obs.type == _HTTP and failure:  # 2. a failed HTTP round trip
            if obs.control_http_failure is None:
                return unknown(failure)
            if obs.control_http_failure:
                return down(failure)
            return blocked("http-failure", failure)
        if obs.type == _TLS and failure:  # 3. a failed TLS handshake
            if obs.control_tls_failure is None:
                if obs.control_http_failure is None:
                    return unknown(failure)
                return blocked("http-failure", failure)
            if obs.control_tls_failure:
                return down(failure)
            return blocked("http-failure", failure)
        if obs.type == _TCP and failure:  # 4. a failed TCP connect
            if obs.control_tcp_failure is None:
                if obs.control_http_failure is None:
                    return unknown(failure)
                return blocked("http-failure", failure)
            if obs.control_tcp_failure:
                return down(failure)
            return blocked("tcp_ip", failure)
        if obs.type == _DNS and failure:  # 5. a failed DNS lookup
            if obs.control_dns_failure is None:
                if obs.control_http_failure is None:
                    return fine(failure)
                return blocked("dns", failure)
            if obs.control_dns_failure:
                return down(failure)
            if failure == "dns_no_answer" and obs.control_dns_addrs is not None:
                if not obs.control_dns_addrs:
                    return down()
            return blocked("dns", failure)
        if (
            obs.type == _DNS
            and failure == ""
            and obs.control_dns_failure == ""
            and obs.dns_addrs is not None
            and obs.control_dns_addrs is not None
        ):
            if _only_loopback(obs.dns_addrs) and not _only_loopback(obs.control_dns_addrs):
                return blocked("dns")  # 6. only loopback here, real addresses there
            if _only_loopback(obs.dns_addrs) and _only_loopback(obs.control_dns_addrs):
                return down()  # 7. loopback for both: the site points nowhere
    return out


def analyse(tk: dict, asn: Callable[[str], int | None]) -> dict:
    """The top-level test keys of Web Connectivity from its archival data.

    ``tk`` holds ``queries``, ``tcp_connect``, ``tls_handshakes``, ``requests`` and, when
    the test helper answered, ``x_control_request`` and ``control``; ``asn`` gives the AS
    number of an address (None or 0 when unknown). Returns ``dns_experiment_failure``,
    ``dns_consistency``, ``http_experiment_failure``, ``body_proportion``,
    ``body_length_match``, ``status_code_match``, ``headers_match``, ``title_match``,
    ``blocking``, ``accessible``, and ``x_dns_flags`` (1: a bogon, 2: an unexpected
    failure, 4: unexpected addresses; computed here on the system resolver's lookup
    alone, where OONI's ``analysisext.go`` also counts its other lookups and clears
    addresses that a TLS handshake proved valid for the name).
    """
    container = _ingest(tk, asn)
    control = tk.get("control")
    if tk.get("x_control_request") is not None and control is not None:
        _ingest_control(container, tk["x_control_request"], control)
    classic = _classic(container)
    a = _Analysis(control=control is not None)
    a.control_dns_addrs = classic.control_dns_addrs or frozenset()
    _dns_success_metrics(a, classic, asn)
    _dns_failure_metrics(a, classic)
    _final_response(a, classic)
    a.linear = _linear(classic)
    consistency = _dns_consistency(a)
    body_length_match = (
        None if a.body_proportion is None else a.body_proportion > BODY_PROPORTION_FACTOR
    )
    headers_match = None if a.uncommon_headers is None else bool(a.uncommon_headers)
    title_match = None if a.title_different_words is None else not a.title_different_words
    keys = {
        "dns_experiment_failure": a.dns_experiment_failure,
        "dns_consistency": consistency,
        "body_proportion": a.body_proportion or 0.0,
        "body_length_match": body_length_match,
        "status_code_match": a.status_code_match,
        "headers_match": headers_match,
        "title_match": title_match,
    }
    keys.update(
        decide(
            a.linear,
            consistency,
            lambda: http_diff(a.status_code_match, body_length_match, headers_match, title_match),
        )
    )
    flags = 0
    if a.dns_bogon:
        flags |= 1
    if a.dns_unexpected_failure:
        flags |= 2
    if a.dns_invalid_classic:
        flags |= 4
    keys["x_dns_flags"] = flags
    return keys

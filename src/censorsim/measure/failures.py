"""Failures as OONI names them (lesson 02, lesson 06).

The simulator names a failure ``stage:outcome`` (``tls:reset``); OONI Probe names what
happened, whatever the stage (``connection_reset``), and keeps the stage apart as the
failed operation (ooni/spec ``data-formats/df-007-errors.md``; the names are the
constants of ooni/probe-cli ``internal/netxlite/errno.go``). The test helper speaks a
coarser dialect of its own for some of them (``internal/oohelperd``: ``dns_name_error``,
``connection_refused_error``...), which :func:`th_dns_failure`, :func:`th_tcp_failure`
and :func:`th_http_failure` reproduce.
"""

from __future__ import annotations

__all__ = [
    "OONI_FAILURES",
    "ooni_failure",
    "th_dns_failure",
    "th_tcp_failure",
    "th_http_failure",
    "TOO_MANY_REDIRECTS",
    "INVALID_REDIRECT",
]

#: The failure of the request that would have been the eleventh redirect: the text of
#: Web Connectivity's ``ErrTooManyRedirects`` wrapped as OONI wraps errors it has no name
#: for (``internal/experiment/webconnectivitylte/secureflow.go``; the QA case
#: ``redirectWithMoreThanTenRedirectsAndHTTP`` expects exactly this string).
TOO_MANY_REDIRECTS = "unknown_failure: stopped after too many redirects"
#: A redirect whose Location has no host (``Location: http://``), since ooni/probe#2628.
INVALID_REDIRECT = "http_invalid_redirect_location_host"

#: Each ``stage:outcome`` failure of the simulator, as OONI Probe names it (ooni/spec,
#: data-formats/df-007-errors.md, the failures of ooni/probe-cli's netxlite). OONI names
#: what happened, not the stage: a reset is ``connection_reset`` in TCP, TLS or HTTP
#: alike; the stage is its ``failed_operation`` (``connect``, ``tls_handshake``,
#: ``http_round_trip``...). Errors OONI has no name for are wrapped as
#: ``unknown_failure: <the error's text>``.
OONI_FAILURES = {
    "dns:nxdomain": "dns_nxdomain_error",
    "dns:no-answer": "dns_no_answer",
    "dns:refused": "dns_refused_error",
    "dns:servfail": "dns_servfail_error",
    "dns:bad-answer": "dns_server_misbehaving",
    "dns:timeout": "generic_timeout_error",
    "dns:reset": "connection_reset",
    "dns:eof": "eof_error",
    "dns:certificate-hostname": "ssl_invalid_hostname",
    "dns:certificate-authority": "ssl_unknown_authority",
    "dns:certificate-expired": "ssl_invalid_certificate",
    "tcp:timeout": "generic_timeout_error",
    "tcp:refused": "connection_refused",
    "tcp:reset": "connection_reset",
    "tls:reset": "connection_reset",
    "tls:eof": "eof_error",
    "tls:timeout": "generic_timeout_error",
    "tls:handshake": "ssl_failed_handshake",
    "tls:certificate-hostname": "ssl_invalid_hostname",
    "tls:certificate-authority": "ssl_unknown_authority",
    "tls:certificate-expired": "ssl_invalid_certificate",
    "quic:timeout": "generic_timeout_error",
    "quic:handshake": "ssl_failed_handshake",
    "quic:closed": "connection_reset",
    "quic:certificate-hostname": "ssl_invalid_hostname",
    "quic:certificate-authority": "ssl_unknown_authority",
    "quic:certificate-expired": "ssl_invalid_certificate",
    "http:reset": "connection_reset",
    "http:eof": "eof_error",
    "http:timeout": "generic_timeout_error",
    "http:malformed": "unknown_failure: malformed HTTP response",
    "http:too-many-redirects": TOO_MANY_REDIRECTS,
    "http:bad-redirect": INVALID_REDIRECT,
}


def ooni_failure(failure: str | None) -> str | None:
    """OONI's name for a simulator failure (None for None).

    >>> ooni_failure("tls:reset"), ooni_failure("dns:no-answer"), ooni_failure(None)
    ('connection_reset', 'dns_no_answer', None)
    """
    if failure is None:
        return None
    try:
        return OONI_FAILURES[failure]
    except (KeyError, TypeError):
        raise ValueError(
            f"{failure!r} is not a failure of the simulator; see censorsim.FAILURES"
        ) from None


# -- the test helper's dialect (internal/oohelperd) --------------------------------------
def th_dns_failure(failure: str | None) -> str | None:
    """The test helper's DNS failure (``oohelperd/dns.go``, ``dnsMapFailure``): NXDOMAIN
    is ``dns_name_error``, NODATA is no failure at all (and no address), the resolver's
    refusals and errors are ``dns_server_failure``, anything else (a SERVFAIL read over
    plain DNS, a timeout) ``unknown_error``.

    >>> th_dns_failure("dns_nxdomain_error"), th_dns_failure("dns_no_answer")
    ('dns_name_error', None)
    """
    if failure is None or failure == "dns_no_answer":
        return None
    if failure == "dns_nxdomain_error":
        return "dns_name_error"
    if failure in (
        "dns_non_recoverable_failure",
        "dns_refused_error",
        "dns_server_misbehaving",
        "dns_temporary_failure",
    ):
        return "dns_server_failure"
    return "unknown_error"


def th_tcp_failure(failure: str | None) -> str | None:
    """The test helper's TCP failure (``oohelperd/tcptls.go``, ``tcpMapFailure``).

    >>> th_tcp_failure("connection_refused"), th_tcp_failure("connection_reset")
    ('connection_refused_error', 'connect_error')
    """
    if failure is None or failure == "generic_timeout_error":
        return failure
    if failure == "connection_refused":
        return "connection_refused_error"
    return "connect_error"


def th_http_failure(failure: str | None, operation: str | None = None) -> str | None:
    """The test helper's HTTP failure (``oohelperd/http.go``, ``httpMapFailure``): any DNS
    failure (or a timeout while resolving) is ``dns_lookup_error``.

    >>> th_http_failure("dns_nxdomain_error"), th_http_failure("eof_error")
    ('dns_lookup_error', 'unknown_error')
    """
    if failure is None:
        return None
    if failure.startswith("dns_") or (
        failure == "generic_timeout_error" and operation == "resolve"
    ):
        return "dns_lookup_error"
    if failure == "generic_timeout_error":
        return failure
    if failure == "connection_refused":
        return "connection_refused_error"
    return "unknown_error"

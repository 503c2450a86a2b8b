"""Measuring censorship: what a probe can compare with a control (lessons 02 and 06).

Theory of operation
-------------------
A measurement runs the same test from a vantage point inside the network under study
(the probe) and from one outside it (the control), and compares. OONI's web connectivity
test does this for DNS: the probe's answer is *consistent* with the control's when they
share an address, or when their addresses belong to the same network (autonomous
system), since CDNs hand out different addresses to different places. An answer made of
bogons (addresses that cannot be reached on the public internet: 127.0.0.1, 10.0.0.0/8...)
is inconsistent whatever the control says, because no real site lives there.

In this simulated internet the documentation and benchmarking ranges (192.0.2.0/24,
198.51.100.0/24, 203.0.113.0/24, 198.18.0.0/15, 2001:db8::/32) play the part of public
address space, so :func:`is_bogon` does not count them, although Python's
``ipaddress.is_private`` does.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from censorsim.core.net import Internet, Network

__all__ = ["is_bogon", "network_of", "SIMULATED_PUBLIC", "OONI_FAILURES", "ooni_failure"]

#: Each ``stage:outcome`` failure of the simulator, as OONI Probe names it (ooni/spec,
#: data-formats/df-007-errors.md, the failures of ooni/probe-engine). OONI names what
#: happened, not the stage: a reset is ``connection_reset`` in TCP, TLS or HTTP alike;
#: the stage is its ``failed_operation`` (``connect``, ``tls_handshake``, ``http_round_trip``
#: ...). Redirect failures have no name of their own in OONI's list: Go's HTTP client
#: reports them, and OONI wraps such messages as ``unknown_failure: ...``.
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
    "http:too-many-redirects": "unknown_failure: stopped after 10 redirects",
    "http:bad-redirect": "unknown_failure: unsupported redirect location",
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
    except KeyError:
        raise ValueError(
            f"{failure!r} is not a failure of the simulator; see censorsim.FAILURES"
        ) from None


# Special-purpose ranges (RFC 6890 and its updates) that never carry public web sites.
_BOGONS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "::ffff:0:0/96",
        "64:ff9b:1::/48",
        "100::/64",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
)
#: Reserved ranges that this simulation uses as its public internet.
SIMULATED_PUBLIC = tuple(
    ipaddress.ip_network(n)
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "198.18.0.0/15", "2001:db8::/32")
)


def is_bogon(address) -> bool:
    """True when ``address`` cannot belong to a public web site (in this simulated internet).

    >>> is_bogon("127.0.0.1"), is_bogon("10.10.34.34"), is_bogon("203.0.113.10")
    (True, True, False)
    """
    try:
        addr = ipaddress.ip_address(address)
    except ValueError:
        raise ValueError(f"{address!r} is not an IPv4 or IPv6 address") from None
    if any(addr in net for net in SIMULATED_PUBLIC):
        return False
    return any(addr.version == net.version and addr in net for net in _BOGONS)


def network_of(world: Internet, address) -> Network | None:
    """The network (autonomous system) that ``address`` belongs to in ``world``, or None."""
    try:
        addr = ipaddress.ip_address(address)
    except ValueError:
        raise ValueError(f"{address!r} is not an IPv4 or IPv6 address") from None
    return world.network_of(addr)

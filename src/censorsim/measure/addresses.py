"""Addresses as a measurement sees them: bogons, and the network (AS) each belongs to.

A *bogon* is an address that cannot belong to a public web site: 127.0.0.1, 10.0.0.0/8...
(RFC 6890 and its updates; OONI's list is netxlite's ``bogon.go``, taken from
ipinfo.io/bogon). In OONI's current analysis a bogon in a DNS answer is a *flag*
(``x_dns_flags``), not by itself an inconsistency: a site may really be misconfigured to
point at one, and the control then sees the same bogon (the QA case ``localhostWithHTTP``
is ``consistent``). A probe that alone gets a bogon is still inconsistent in practice,
because a bogon belongs to no autonomous system and so shares none with the control.

In this simulated internet the documentation and benchmarking ranges (192.0.2.0/24,
198.51.100.0/24, 203.0.113.0/24, 198.18.0.0/15, 2001:db8::/32) play the part of public
address space, so :func:`is_bogon` does not count them, although OONI's list and Python's
``ipaddress.is_private`` do.

The *AS number* of an address is what OONI looks up in a GeoIP database (MaxMind's or
DB-IP's) to tell "a different address of the same CDN" from "an address of somebody else".
Here the world itself is the database: :func:`asn_of` is the number of the network that
announces the address.
"""

from __future__ import annotations

import ipaddress
import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from censorsim.core.net import Internet, Network

__all__ = ["is_bogon", "is_loopback", "network_of", "asn_of", "SIMULATED_PUBLIC"]

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


def _address(address):
    if isinstance(address, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return address
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        raise ValueError(f"{address!r} is not an IPv4 or IPv6 address") from None


def is_bogon(address) -> bool:
    """True when ``address`` cannot belong to a public web site (in this simulated internet).

    >>> is_bogon("127.0.0.1"), is_bogon("10.10.34.34"), is_bogon("203.0.113.10")
    (True, True, False)
    """
    addr = _address(address)
    if any(addr in net for net in SIMULATED_PUBLIC):
        return False
    return any(addr.version == net.version and addr in net for net in _BOGONS)


def is_loopback(address) -> bool:
    """True for 127.0.0.0/8 and ::1: the computer itself (OONI never connects there,
    ooni/probe#2397).

    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("10.0.0.1")
    (True, True, False)
    """
    return _address(address).is_loopback


def network_of(world: Internet, address) -> Network | None:
    """The network (autonomous system) that ``address`` belongs to in ``world``, or None."""
    return world.network_of(_address(address))


def asn_of(world: Internet, address) -> int | None:
    """The AS number of the network that announces ``address``, as a GeoIP database would
    give it; None for a bogon or an address nobody announces.

    A network built without an ``asn`` still is an autonomous system of its own: it gets
    a private AS number (RFC 6996, 4200000000 and up) derived from its name, the same in
    every run.
    """
    addr = _address(address)
    if is_bogon(addr):
        return None
    network = world.network_of(addr)
    if network is None:
        return None
    if network.asn is not None:
        return network.asn
    return 4_200_000_000 + zlib.crc32(network.name.encode()) % 94_967_295

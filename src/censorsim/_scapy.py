"""scapy, imported quietly and only when needed (display, pcap cross-checks).

scapy logs warnings at import time in some containers (no default route, no IPv6), and
nbgrader scores any grade cell that writes to stderr zero. So its loggers are silenced
before the first import. Only the layers the course uses are imported (``scapy.all`` costs
about a second), and scapy is never asked to send anything: it dissects bytes we built.
"""

from __future__ import annotations

import logging

_loaded = False


def _quiet_import() -> None:
    global _loaded
    if _loaded:
        return
    for name in ("scapy", "scapy.runtime", "scapy.loading", "scapy.interactive"):
        logging.getLogger(name).setLevel(logging.ERROR)
    import scapy.layers.dns  # noqa: F401  (binds DNS to port 53)
    import scapy.layers.inet  # noqa: F401
    import scapy.layers.inet6  # noqa: F401
    import scapy.layers.tls.all  # noqa: F401  (needs the cryptography package)
    from scapy.config import conf

    conf.verb = 0
    _loaded = True


def dissect(ip_bytes: bytes):
    """Dissect raw IPv4 or IPv6 bytes into scapy layers."""
    _quiet_import()
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import IPv6

    return IP(ip_bytes) if ip_bytes[0] >> 4 == 4 else IPv6(ip_bytes)


def dissect_tls(record_bytes: bytes):
    """Dissect TLS record bytes with scapy's TLS layer (slow: for display and checks)."""
    _quiet_import()
    from scapy.layers.tls.record import TLS

    return TLS(record_bytes)

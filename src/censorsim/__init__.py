"""censorsim: a small simulated internet that carries real packets, for learning how
internet censorship works and what it breaks besides its target.

Start with lesson 00 (``lessons/00-welcome.ipynb``)::

    import censorsim as cs
    world = cs.worlds.football_night()
    alice = world.client("alice")
    r = alice.fetch("https://bakery.example/")
    r.ok, r.failure, r.trace.summary()

Nothing here ever touches a real network: packets are bytes in memory, time is virtual.
"""

from censorsim import _scapy as _quiet_scapy  # noqa: F401  (silences scapy before any import)
from censorsim import censors, grading, measure, viz, wire, worlds
from censorsim.blocklist import Blocklist
from censorsim.censors import (
    BlockpageOnHost,
    BlockpageOnQName,
    CensorEngine,
    DropDNSOnQName,
    DropOnIP,
    DropOnSNI,
    IgnoreOnQName,
    NXDomainOnQName,
    RefuseOnQName,
    ResetOnIP,
    ResetOnSNI,
    SinkholeOnQName,
    SpoofDNSOnQName,
    ThrottleOnSNI,
    Verdict,
)
from censorsim.client import FAILURES, Client, FetchResult, Timeouts
from censorsim.dns import DNSLookup
from censorsim.names import normalize_name
from censorsim.net import Host, Network, World
from censorsim.trace import Trace, TraceEvent
from censorsim.viz import COLORS
from censorsim.web import Site
from censorsim.wire import Incomplete, MalformedPacket, Packet, extract_sni

__version__ = "0.1.0"

__all__ = [
    "World",
    "Network",
    "Host",
    "Client",
    "FetchResult",
    "Timeouts",
    "FAILURES",
    "DNSLookup",
    "Site",
    "Packet",
    "Trace",
    "TraceEvent",
    "Blocklist",
    "CensorEngine",
    "Verdict",
    "NXDomainOnQName",
    "RefuseOnQName",
    "IgnoreOnQName",
    "SinkholeOnQName",
    "BlockpageOnQName",
    "SpoofDNSOnQName",
    "DropDNSOnQName",
    "DropOnIP",
    "ResetOnIP",
    "DropOnSNI",
    "ResetOnSNI",
    "ThrottleOnSNI",
    "BlockpageOnHost",
    "extract_sni",
    "Incomplete",
    "MalformedPacket",
    "normalize_name",
    "COLORS",
    "censors",
    "grading",
    "measure",
    "viz",
    "wire",
    "worlds",
]

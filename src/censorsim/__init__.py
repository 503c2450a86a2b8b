"""censorsim: a small simulated internet that carries real packets, for learning how
internet censorship works and what it breaks besides its target.

Start with lesson 00 (``lessons/00-welcome.ipynb``)::

    import censorsim as cs
    world = cs.worlds.football_night()
    alice = world.client("alice")
    r = alice.fetch("https://bakery.example/")
    r.ok, r.failure, r.trace.summary()

Nothing here ever touches a real network: packets are bytes in memory, time is virtual.
The package's layers are drawn in ``src/censorsim/README.md``.
"""

from censorsim import _scapy as _quiet_scapy  # noqa: F401  (silences scapy before any import)
from censorsim import censors, core, grading, measure, observe, protocols, wire, worlds
from censorsim.blocklist import Blocklist
from censorsim.censors import *  # noqa: F403  (every rule, the engine, Verdict...)
from censorsim.client import (
    FAILURES,
    Attempt,
    Client,
    FetchResult,
    Hop,
    Redirect,
    Timeouts,
    TracerouteResult,
)
from censorsim.core.net import Host, Internet, Network, Router
from censorsim.names import normalize_name
from censorsim.observe import COLORS, Trace, TraceEvent
from censorsim.protocols.dns import DNSLookup
from censorsim.protocols.web import Site
from censorsim.wire import Incomplete, MalformedPacket, Packet, extract_sni, parse_client_hello
from censorsim.worlds import World

#: The course's figures module (colours, style, ladder): lessons call it ``cs.viz``.
viz = observe

__version__ = "0.2.0"

__all__ = [
    "World",
    "Internet",
    "Network",
    "Router",
    "Host",
    "Client",
    "FetchResult",
    "Attempt",
    "Redirect",
    "Timeouts",
    "TracerouteResult",
    "Hop",
    "FAILURES",
    "DNSLookup",
    "Site",
    "Packet",
    "Trace",
    "TraceEvent",
    "Blocklist",
    *censors.__all__,
    "extract_sni",
    "parse_client_hello",
    "Incomplete",
    "MalformedPacket",
    "normalize_name",
    "COLORS",
    "censors",
    "core",
    "grading",
    "measure",
    "observe",
    "protocols",
    "viz",
    "wire",
    "worlds",
]

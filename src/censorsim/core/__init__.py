"""The core of the simulated internet: virtual time, and the graph that moves packets.

It imports nothing of the package but :mod:`censorsim.wire`, and knows no protocol above
IP, no browser and no story: protocols register handlers on hosts, censors are
middleboxes that return verdicts, observers watch events.
"""

from censorsim.core.clock import Event, Loop, Process, SimulationError, Timer, first_of
from censorsim.core.net import (
    NETWORK_KINDS,
    Host,
    Internet,
    Link,
    Middlebox,
    Network,
    Router,
    Verdict,
)

__all__ = [
    "Loop",
    "Event",
    "Process",
    "Timer",
    "SimulationError",
    "first_of",
    "Internet",
    "Network",
    "Router",
    "Host",
    "Link",
    "Verdict",
    "Middlebox",
    "NETWORK_KINDS",
]

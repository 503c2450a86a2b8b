"""Observing the simulated internet: traces, ladder diagrams, pcaps and the course's colours.

Observers never change what they watch: a :class:`Recording` registers with the internet
(:meth:`censorsim.core.net.Internet.observe`) and collects one event per packet per hop;
a :class:`Trace` turns those events into text (``summary``), journeys, captures at any hop
(``packets``, ``to_pcap``) and a ladder diagram (``ladder``). Rules and hosts never know
they are observed.
"""

from censorsim.observe.figures import COLORS, use_course_style
from censorsim.observe.ladder import ladder
from censorsim.observe.trace import EVENT_KINDS, Journey, Recording, Trace, TraceEvent

__all__ = [
    "Trace",
    "TraceEvent",
    "Journey",
    "Recording",
    "EVENT_KINDS",
    "ladder",
    "COLORS",
    "use_course_style",
]

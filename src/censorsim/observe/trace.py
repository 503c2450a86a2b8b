"""Traces: every packet at every hop, with its virtual time and the censor's verdict.

Theory of operation
-------------------
While a fetch runs, an observer on the internet records one event per packet per hop
(:mod:`censorsim.core.net`): ``send`` where a host (or a router, for its ICMP) emits it,
``forward``/``drop``/``no-route``/``ttl-exceeded`` where a router meets it, ``inject``
where a censor creates one, ``deliver`` where it arrives. Each packet has a ``uid`` that
follows it from hop to hop while routers decrement its TTL. A :class:`Trace` holds those
events and offers these views:

* ``trace.events``: the events (``time``, ``hop``, ``kind``, ``packet`` as seen at that
  hop, ``verdict``, ``uid``);
* ``trace.journeys()``: one line per packet from where it started to where it ended,
  which is what :meth:`Trace.summary` prints and :meth:`Trace.ladder` draws;
* ``trace.to_pcap(path, at=hop)``: the packets as a capture at one hop would show them,
  as a raw-IP pcap for Wireshark or tshark (only one vantage point per file, so that no
  packet appears twice).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from censorsim.core.net import Internet, Verdict
from censorsim.observe.ladder import ladder as _ladder
from censorsim.wire import Packet, describe, write_pcap

__all__ = ["Trace", "TraceEvent", "Journey", "Recording"]


#: What each kind of event means, for lessons and labs.
EVENT_KINDS = {
    "send": "a host (or a router, for its ICMP message) sent the packet",
    "forward": "a router passed it on",
    "drop": "a censor, or a server, threw it away on purpose",
    "inject": "a censor made up a packet: a forged answer, a reset",
    "no-route": "a router had nowhere to send it: nobody has that address",
    "ttl-exceeded": "its TTL ran out at a router, which discarded it (and answered with ICMP)",
    "deliver": "the packet arrived at the host it was addressed to",
}
_ROUTER_KINDS = ("forward", "drop", "no-route", "inject", "ttl-exceeded", "send")


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One packet at one hop: ``kind`` is one of :data:`EVENT_KINDS`.

    ``packet`` is the packet as seen at that hop (its TTL already decremented by the
    routers before); ``uid`` identifies the packet along its way.
    """

    time: float
    hop: str
    kind: str
    packet: Packet
    verdict: Verdict | None = None
    note: str = ""
    uid: int = 0

    def __repr__(self) -> str:
        verdict = f" [{self.verdict.action}: {self.verdict.reason}]" if self.verdict else ""
        return (
            f"<TraceEvent {self.time * 1000:9.3f} ms {self.hop} {self.kind}: "
            f"{describe(self.packet)}{verdict}>"
        )


@dataclass(frozen=True, slots=True)
class Journey:
    """A packet's way from where it started to where it ended."""

    packet: Packet
    start: float
    origin: str  # the host that sent it, or the router whose censor injected it
    end: float
    last_hop: str
    fate: str  # "delivered", "dropped", "no-route", "expired" (TTL), "in flight"
    verdict: Verdict | None  # the censor's decision on the way, if any
    injected: bool

    @property
    def description(self) -> str:
        return describe(self.packet)


class Trace:
    """The recorded events of a fetch (or of any stretch of simulation).

    ``origin`` is the name of the host whose fetch or lookup this is (``"alice"``): the
    default vantage point of :meth:`packets` and :meth:`to_pcap`, and the left-most
    column of the ladder. It is None for a trace recorded with ``world.recording()``.
    """

    def __init__(self, internet: Internet, events: list[tuple], origin: str | None = None):
        self.internet = internet
        self._raw = events
        self._events: tuple[TraceEvent, ...] | None = None
        self.origin = origin

    @property
    def events(self) -> tuple[TraceEvent, ...]:
        if self._events is None:
            self._events = tuple(
                TraceEvent(t, hop, kind, p if p.ttl == ttl else replace(p, ttl=ttl), v, note, uid)
                for t, hop, kind, p, v, note, uid, ttl in self._raw
            )
        return self._events

    def __len__(self) -> int:
        return len(self._raw)

    def __iter__(self) -> Iterator[TraceEvent]:
        return iter(self.events)

    def __getitem__(self, index):
        return self.events[index]

    @property
    def hops(self) -> list[str]:
        """Hop names in the order they first appear."""
        seen: dict[str, None] = {}
        for raw in self._raw:
            seen.setdefault(raw[1], None)
        return list(seen)

    def at(self, hop: str) -> list[TraceEvent]:
        """The events at one hop."""
        self._check_hop(hop)
        return [e for e in self.events if e.hop == hop]

    def verdicts(self) -> list[TraceEvent]:
        """The events where a censor (or a resolver's policy) decided something."""
        return [e for e in self.events if e.verdict is not None]

    def packets(self, at: str | None = None) -> list[Packet]:
        """The packets a capture at hop ``at`` sees (default: the fetching client)."""
        return [e.packet for e in self._capture(at)]

    def _check_hop(self, hop: str) -> None:
        # A hop of the world that saw nothing has no events; a name that is no hop at all
        # is a mistake worth saying.
        world = self.internet
        if hop not in world.hosts and hop not in world.routers:
            raise ValueError(
                f"{hop!r} is not a hop of this world; hops in this trace are {self.hops}"
            )

    def _capture(self, at: str | None) -> list[TraceEvent]:
        hop = at or self.origin
        if hop is None:
            raise ValueError(f"say where to capture: at= one of {self.hops}")
        self._check_hop(hop)
        is_router = hop in self.internet.routers
        kinds = _ROUTER_KINDS if is_router else ("send", "deliver")
        return [e for e in self.events if e.hop == hop and e.kind in kinds]

    def for_host(self, name: str) -> Trace:
        """The events of packets to or from host ``name`` (ICMP about them included): one
        client's flows in a trace recorded while others were busy too."""
        host = self.internet.hosts.get(name)
        if host is None:
            raise ValueError(f"{name!r} is not a host of this world")
        mine = set(host.addresses)

        def ours(p: Packet) -> bool:
            if p.src in mine or p.dst in mine:
                return True
            quoted = p.quoted() if p.proto == "icmp" else None
            return quoted is not None and (quoted.src in mine or quoted.dst in mine)

        uids = {raw[6] for raw in self._raw if ours(raw[3])}
        return Trace(self.internet, [raw for raw in self._raw if raw[6] in uids], name)

    def journeys(self) -> list[Journey]:
        """One entry per packet: where it started, where it ended, and what stopped it."""
        open_: dict[int, list] = {}
        arrived: dict[int, list] = {}  # delivered, but a host may still drop it (a resolver
        order: list[list] = []  # that ignores a query decides after the packet arrived)
        for time, hop, kind, packet, verdict, _note, key, _ttl in self._raw:
            if kind in ("send", "inject"):
                entry = [packet, time, hop, time, hop, "in flight", verdict, kind == "inject"]
                open_[key] = entry
                order.append(entry)
                continue
            entry = open_.get(key)
            if entry is None:
                late = arrived.get(key)
                if late is not None and kind == "drop" and late[4] == hop:
                    late[5], late[6] = "dropped", verdict
                continue
            entry[3], entry[4] = time, hop
            if verdict is not None and not entry[7]:
                entry[6] = verdict
            if kind == "deliver":
                entry[5] = "delivered"
                arrived[key] = open_.pop(key)
            elif kind in ("drop", "no-route", "ttl-exceeded"):
                entry[5] = {"drop": "dropped", "no-route": "no-route"}.get(kind, "expired")
                del open_[key]
        return [Journey(*e) for e in order]

    # -- views ---------------------------------------------------------------------------
    def summary(self, limit: int | None = None) -> str:
        """The trace as text, one line per packet (lesson 00 shows how to read it)."""
        lines = []
        journeys = self.journeys()
        for j in journeys[:limit]:
            arrow = f"{j.origin} → {j.last_hop}"
            fate = ""
            if j.fate == "dropped":
                fate = f"  ✗ dropped at {j.last_hop}"
            elif j.fate == "no-route":
                fate = "  ✗ no route"
            elif j.fate == "expired":
                fate = f"  ✗ TTL exceeded at {j.last_hop}"
            elif j.fate == "in flight":
                fate = "  … in flight"
            if j.injected:
                fate += "  (forged by the censor)"
            why = ""
            if j.verdict is not None and j.verdict.action not in ("pass",):
                why = f"  [{j.verdict.action}: {j.verdict.reason}]"
            lines.append(f"{j.start * 1000:10.1f} ms  {arrow:<34} {j.description}{fate}{why}")
        if limit is not None and len(journeys) > limit:
            lines.append(f"... {len(journeys) - limit} more packets")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        if not self._raw:
            return "<Trace: empty>"
        start, end = self._raw[0][0], self._raw[-1][0]
        n = sum(1 for raw in self._raw if raw[2] in ("send", "inject"))
        return f"<Trace: {n} packets, {len(self._raw)} hop events, {start:.3f}-{end:.3f} s>"

    def to_pcap(self, path: str | Path, at: str | None = None) -> Path:
        """Write the packets seen at hop ``at`` (default: the client) to a pcap file."""
        epoch = self.internet.epoch
        return write_pcap(path, ((epoch + e.time, e.packet.to_bytes()) for e in self._capture(at)))

    def ladder(self, ax=None, *, limit: int = 80, title: str | None = None):
        """Draw the trace as a sequence (ladder) diagram with matplotlib; returns the axes."""
        return _ladder(self, ax=ax, limit=limit, title=title)


class Recording:
    """Context manager: ``with Recording(internet) as rec: ...`` then ``rec.trace``.

    With a ``context``, only the events caused by what runs in that context are kept
    (a fetch's own packets, not the leftovers of earlier fetches); without, every event.
    Recordings nest: an inner recording's events also belong to an outer one.
    """

    def __init__(self, internet: Internet, origin: str | None = None, *, context=None):
        self.internet = internet
        self.origin = origin
        self.context = context
        self.events: list[tuple] = []
        self.trace: Trace | None = None
        self._observer = self.events.append if context is None else self._if_ours

    def _if_ours(self, event: tuple) -> None:
        if self.internet.loop.context is self.context:
            self.events.append(event)

    def __enter__(self) -> Recording:
        self.internet.observe(self._observer)
        return self

    def __exit__(self, *exc) -> None:
        self.internet.unobserve(self._observer)
        self.trace = Trace(self.internet, self.events, self.origin)

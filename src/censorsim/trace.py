"""Traces: every packet at every hop, with its virtual time and the censor's verdict.

Theory of operation
-------------------
While a fetch runs, the world records one event per packet per hop: ``send`` where a
host emits it, ``forward``/``drop``/``no-route`` where a router meets it, ``inject``
where a censor creates one, ``deliver`` where it arrives. A :class:`Trace` holds those
events and offers three views:

* ``trace.events``: the raw events (``time``, ``hop``, ``kind``, ``packet``, ``verdict``);
* ``trace.journeys()``: one line per packet from where it started to where it ended,
  which is what :meth:`Trace.summary` prints and :meth:`Trace.ladder` draws;
* ``trace.to_pcap(path, at=hop)``: the packets as a capture at one hop would show them,
  as a raw-IP pcap for Wireshark or tshark (only one vantage point per file, so that no
  packet appears twice).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from censorsim.wire import Packet, describe, write_pcap

if TYPE_CHECKING:
    from censorsim.censors.engine import Verdict
    from censorsim.net import World

__all__ = ["Trace", "TraceEvent", "Journey", "Recording"]


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One packet at one hop: ``kind`` is send, forward, drop, inject, no-route or deliver."""

    time: float
    hop: str
    kind: str
    packet: Packet
    verdict: Verdict | None = None
    note: str = ""

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
    fate: str  # "delivered", "dropped", "no-route", "in flight"
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

    def __init__(self, world: World, events: list[tuple], origin: str | None = None):
        self._world = world
        self._raw = events
        self._events: tuple[TraceEvent, ...] | None = None
        self.origin = origin

    @property
    def events(self) -> tuple[TraceEvent, ...]:
        if self._events is None:
            self._events = tuple(TraceEvent(*raw) for raw in self._raw)
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
        world = self._world
        if hop not in world.hosts and hop not in world.networks:
            raise ValueError(
                f"{hop!r} is not a hop of this world; hops in this trace are {self.hops}"
            )

    def _capture(self, at: str | None) -> list[TraceEvent]:
        hop = at or self.origin
        if hop is None:
            raise ValueError(f"say where to capture: at= one of {self.hops}")
        self._check_hop(hop)
        is_router = hop in self._world.networks
        kinds = ("forward", "drop", "no-route", "inject") if is_router else ("send", "deliver")
        return [e for e in self.events if e.hop == hop and e.kind in kinds]

    def journeys(self) -> list[Journey]:
        """One entry per packet: where it started, where it ended, and what stopped it."""
        open_: dict[int, list] = {}
        arrived: dict[int, list] = {}  # delivered, but a host may still drop it (a resolver
        order: list[list] = []  # that ignores a query decides after the packet arrived)
        for time, hop, kind, packet, verdict, _note in self._raw:
            key = id(packet)
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
            elif kind in ("drop", "no-route"):
                entry[5] = "dropped" if kind == "drop" else "no-route"
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
        epoch = self._world.epoch
        return write_pcap(path, ((epoch + e.time, e.packet.to_bytes()) for e in self._capture(at)))

    def ladder(self, ax=None, *, limit: int = 80, title: str | None = None):
        """Draw the trace as a sequence (ladder) diagram with matplotlib; returns the axes."""
        from censorsim.viz import ladder

        return ladder(self, ax=ax, limit=limit, title=title)


class Recording:
    """Context manager: ``with world.recording() as rec: ...`` then ``rec.trace``."""

    def __init__(self, world: World, origin: str | None = None):
        self.world = world
        self.origin = origin
        self.events: list[tuple] = []
        self._outer: list | None = None
        self.trace: Trace | None = None

    def __enter__(self) -> Recording:
        self._outer = self.world._recorder
        self.world._recorder = self.events
        return self

    def __exit__(self, *exc) -> None:
        self.world._recorder = self._outer
        if self._outer is not None:
            self._outer.extend(self.events)
        self.trace = Trace(self.world, self.events, self.origin)

"""Virtual time: an event loop, events and processes (no wall-clock waits).

Theory of operation
-------------------
The simulated network runs on a virtual clock. Nothing sleeps: a packet that takes 10 ms
to cross a link is an entry in a heap, due 0.010 virtual seconds later, and a 15-second
connect timeout costs no real time at all. Times are kept on a nanosecond grid and ties
are broken by insertion order, so the same program always runs the same way.

Every scheduled call carries the *context* that was current when it was scheduled, and
runs with it: a fetch runs in a context of its own, and everything it causes (the
packets it sends, the servers' answers, their timers, a resolver's questions upstream)
inherits it, so a trace can keep the events a fetch caused and leave out the leftovers
of earlier ones (a server still retransmitting to a client that gave up).

Protocol code is written in two styles, both driven by the loop:

* callbacks (servers, TCP): ``loop.call_later(delay, fn, *args)``;
* processes (a client fetching a page): a generator that ``yield``\\ s an :class:`Event`
  and resumes with its value when it fires, in the style of SimPy. A process is itself
  an event that fires when the generator returns.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Generator
from typing import Any

__all__ = ["Loop", "Event", "Process", "Timer", "SimulationError", "first_of", "check_seconds"]


def check_seconds(value: object, name: str, *, allow_zero: bool = True) -> float:
    """``value`` as a finite, non-negative number of seconds, or ``ValueError`` naming it.

    Every duration a user gives (timeouts, delays, latencies, ``world.advance``) passes
    here, so a NaN or an infinity never reaches the clock: one NaN would make every later
    time NaN and every comparison false.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(
            f"{name}={value!r}: expected a number of seconds, got {type(value).__name__}"
        )
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        what = "a finite number of seconds" + (" >= 0" if allow_zero else " > 0")
        raise ValueError(f"{name}={value!r}: expected {what}")
    return float(value)


_NEVER = 1e15  # about 30 million years of virtual time: later than anything meant


class SimulationError(RuntimeError):
    """The simulation cannot go on (for example, a process waits on an event that never fires)."""


class Timer:
    """A scheduled call; ``cancel()`` stops it from running."""

    __slots__ = ("time", "fn", "args", "cancelled", "context")

    def __init__(self, time: float, fn: Callable, args: tuple, context: object = None):
        self.time, self.fn, self.args, self.cancelled = time, fn, args, False
        self.context = context

    def cancel(self) -> None:
        self.cancelled = True


class Loop:
    """The event loop and virtual clock of one world."""

    def __init__(self) -> None:
        self.now = 0.0
        self.context: object = None  # the context of the call running now (see above)
        self._heap: list[tuple[float, int, Timer]] = []
        self._counter = itertools.count()

    def call_at(self, time: float, fn: Callable, *args: Any) -> Timer:
        # Times sit on a nanosecond grid, so that 0.2444 + 1 + 2 + 4 + 8 and 0.2444 + 15
        # are the same instant and the one scheduled first runs first, whatever the
        # floating-point rounding of the sums.
        time = round(time, 9)
        if not time < _NEVER:  # NaN or infinity: a bug upstream, refuse it here
            raise ValueError(f"cannot schedule a call at virtual time {time!r}")
        if time < self.now:
            time = self.now
        timer = Timer(time, fn, args, self.context)
        heapq.heappush(self._heap, (time, next(self._counter), timer))
        return timer

    def call_later(self, delay: float, fn: Callable, *args: Any) -> Timer:
        return self.call_at(self.now + delay, fn, *args)

    def call_soon(self, fn: Callable, *args: Any) -> Timer:
        return self.call_at(self.now, fn, *args)

    def deadline(self, seconds: float) -> float:
        """The virtual time ``seconds`` from now, on the clock's nanosecond grid. Waiting
        loops compare against it: ``deadline - now`` then reaches exactly 0 when a timer
        set for the remaining time fires, instead of a sliver a timer can never cover."""
        return round(self.now + seconds, 9)

    def remaining(self, deadline: float) -> float:
        """Seconds left until ``deadline`` (0 once less than a nanosecond is left)."""
        left = deadline - self.now
        return left if left >= 1e-9 else 0.0

    def timeout(self, delay: float, value: Any = None) -> Event:
        """An event that fires ``delay`` virtual seconds from now."""
        ev = Event(self)
        ev._timer = self.call_later(delay, ev.succeed, value)
        return ev

    def process(self, generator: Generator) -> Process:
        return Process(self, generator)

    def run(self, until: Event | float | None = None) -> None:
        """Run until ``until`` fires (an event), until a virtual time, or until idle."""
        heap = self._heap
        pop = heapq.heappop
        if isinstance(until, Event):
            while not until.triggered:
                if not heap:
                    raise SimulationError(
                        "the simulation went idle while waiting for an event that never fired"
                    )
                time, _, timer = pop(heap)
                if not timer.cancelled:
                    self.now = time
                    self.context = timer.context
                    timer.fn(*timer.args)
            return
        limit = float("inf") if until is None else float(until)
        while heap and heap[0][0] <= limit:
            time, _, timer = pop(heap)
            if not timer.cancelled:
                self.now = time
                self.context = timer.context
                timer.fn(*timer.args)
        if until is not None and self.now < limit:
            self.now = limit

    def drain(self, horizon: float) -> None:
        """Run what is due up to ``horizon`` without moving the clock past the last event."""
        heap = self._heap
        pop = heapq.heappop
        while heap and heap[0][0] <= horizon:
            time, _, timer = pop(heap)
            if not timer.cancelled:
                self.now = time
                self.context = timer.context
                timer.fn(*timer.args)


class Event:
    """Something that happens once, with a value; processes wait on it by yielding it."""

    __slots__ = ("loop", "callbacks", "triggered", "value", "_timer")

    def __init__(self, loop: Loop):
        self.loop = loop
        self.callbacks: list[Callable[[Event], None]] | None = []
        self.triggered = False
        self.value: Any = None
        self._timer: Timer | None = None

    def succeed(self, value: Any = None) -> Event:
        if self.triggered:
            return self
        self.triggered = True
        self.value = value
        callbacks, self.callbacks = self.callbacks, None
        for cb in callbacks or ():
            cb(self)
        return self

    def cancel(self) -> None:
        """Stop a timeout event from firing (no effect on other events)."""
        if self._timer is not None:
            self._timer.cancel()

    def add_callback(self, cb: Callable[[Event], None]) -> None:
        if self.triggered:
            cb(self)
        else:
            self.callbacks.append(cb)  # type: ignore[union-attr]


class Process(Event):
    """A generator run by the loop; fires with the generator's return value."""

    __slots__ = ("_gen",)

    def __init__(self, loop: Loop, generator: Generator):
        super().__init__(loop)
        self._gen = generator
        loop.call_soon(self._resume, None)

    def _resume(self, value: Any) -> None:
        try:
            target = self._gen.send(value)
        except StopIteration as stop:
            self.succeed(stop.value)
            return
        if not isinstance(target, Event):
            raise SimulationError(f"a process yielded {target!r}; processes may only yield events")
        target.add_callback(self._wake)

    def _wake(self, event: Event) -> None:
        self._resume(event.value)


def first_of(loop: Loop, *events: Event) -> Event:
    """An event that fires with ``(index, value)`` of the first of ``events`` to fire."""
    result = Event(loop)
    for i, ev in enumerate(events):
        ev.add_callback(lambda e, i=i: result.succeed((i, e.value)))
    return result

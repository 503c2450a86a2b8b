"""TCP as the simulator speaks it: enough of RFC 9293 for censorship to act on (lesson 01).

Theory of operation
-------------------
A connection opens with the three-way handshake (SYN, SYN-ACK, ACK), numbers every byte
with sequence numbers from a random initial sequence number, acknowledges what it
receives, and closes with FIN. What censors exploit is all here:

* a dropped SYN is retransmitted after 1 s, then 2 s, 4 s... until the application's
  connect timeout: an IP block by dropping shows up as ``tcp:timeout``;
* a RST whose sequence number is in the receive window kills the connection at once: an
  injected reset shows up as ``tcp:refused`` (in answer to a SYN) or as a reset at the
  stage the connection had reached (``tls:reset``, ``http:reset``);
* lost data is retransmitted with the same sequence numbers, so a censor that drops one
  ClientHello sees it again, and drops it again, until the client gives up.

Simplifications, stated: no congestion control (the peer's 64 KiB window is the only
limit), no window scaling, SACK or timestamps, no delayed ACK timer (an ACK rides on
the next data segment when the application answers at once, and goes alone otherwise),
and no TIME_WAIT. Segments are at most one MSS (1460 bytes over IPv4, 1440 over IPv6).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

from censorsim.sim import Event, Timer, first_of
from censorsim.wire import Packet

if TYPE_CHECKING:
    from censorsim.net import Host

__all__ = ["TCPConnection", "TCPError"]

CLOSED, SYN_SENT, SYN_RCVD, ESTABLISHED = "CLOSED", "SYN_SENT", "SYN_RCVD", "ESTABLISHED"
FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, LAST_ACK, CLOSING = (
    "FIN_WAIT_1",
    "FIN_WAIT_2",
    "CLOSE_WAIT",
    "LAST_ACK",
    "CLOSING",
)
INITIAL_RTO = 1.0
MAX_RTO = 60.0
MAX_RETRIES = 8
WINDOW = 65535
_MOD = 2**32


class TCPError(Exception):
    """A connection failed: ``kind`` is ``"refused"``, ``"reset"`` or ``"timeout"``."""

    def __init__(self, kind: str, message: str = ""):
        super().__init__(message or kind)
        self.kind = kind


class TCPConnection:
    """One end of a TCP connection on a simulated host."""

    def __init__(self, host: Host, local, lport: int, remote, rport: int, isn: int):
        self.host = host
        self.loop = host.world.loop
        self.local, self.lport, self.remote, self.rport = local, lport, remote, rport
        self.mss = 1460 if local.version == 4 else 1440
        self.state = CLOSED
        self.iss = isn
        self.snd_una = isn
        self.snd_nxt = isn
        self.rcv_nxt = 0
        self.peer_window = WINDOW
        self._sendbuf = bytearray()
        self._inflight: list[tuple[int, str, bytes]] = []  # (seq, flags, payload)
        self._fin_pending = False
        self._fin_sent = False
        self._ooo: dict[int, bytes] = {}
        self._timer: Timer | None = None
        self._rto = INITIAL_RTO
        self._retries = 0
        self._ack_needed = False
        self._ack_scheduled = False
        self.received = bytearray()  # data not yet consumed by the application
        self.eof = False  # the peer sent FIN
        self.error: str | None = None  # "refused" | "reset" | "timeout"
        self._waiters: list[Event] = []
        # callbacks for callback-style applications (servers)
        self.on_data: Callable[[TCPConnection, bytes], None] | None = None
        self.on_eof: Callable[[TCPConnection], None] | None = None
        self.on_error: Callable[[TCPConnection, str], None] | None = None
        self._on_accept: Callable[[TCPConnection], None] | None = None

    def __repr__(self) -> str:
        return (
            f"<TCPConnection {self.local}:{self.lport} -> {self.remote}:{self.rport} {self.state}>"
        )

    # -- opening -----------------------------------------------------------------------
    def _open_active(self) -> None:
        self.state = SYN_SENT
        self._emit("S", self.iss, 0, b"", mss=self.mss)
        self.snd_nxt = (self.iss + 1) % _MOD
        self._inflight.append((self.iss, "S", b""))
        self._arm()

    def _open_passive(self, syn: Packet, on_accept: Callable[[TCPConnection], None]) -> None:
        self.state = SYN_RCVD
        self._on_accept = on_accept
        self.rcv_nxt = (syn.seq + 1) % _MOD
        self._emit("SA", self.iss, self.rcv_nxt, b"", mss=self.mss)
        self.snd_nxt = (self.iss + 1) % _MOD
        self._inflight.append((self.iss, "SA", b""))
        self._arm()

    # -- sending -----------------------------------------------------------------------
    def _emit(self, flags: str, seq: int, ack: int, payload: bytes, mss: int | None = None):
        packet = Packet(
            self.local,
            self.remote,
            "tcp",
            self.lport,
            self.rport,
            payload,
            flags,
            seq,
            ack,
            WINDOW,
            64,
            self.host.next_ident(),
            mss,
        )
        self.host.send(packet)

    def send(self, data: bytes) -> None:
        """Queue application data; it leaves in MSS-sized segments."""
        if self.state not in (ESTABLISHED, CLOSE_WAIT) or self._fin_pending:
            return
        self._sendbuf += data
        self._output()

    def close(self) -> None:
        """Send FIN after the queued data (a graceful close)."""
        if self.state in (ESTABLISHED, CLOSE_WAIT) and not self._fin_pending:
            self._fin_pending = True
            self._output()
        elif self.state in (SYN_SENT, SYN_RCVD):
            self.abort()

    def reset(self) -> None:
        """Send RST and forget the connection."""
        if self.state not in (CLOSED, SYN_SENT):
            self._emit("RA", self.snd_nxt, self.rcv_nxt, b"")
        self._finish()

    def abort(self) -> None:
        """Forget the connection without sending anything (what a timeout does)."""
        self._finish()

    def _output(self) -> None:
        in_flight = (self.snd_nxt - self.snd_una) % _MOD
        while self._sendbuf and in_flight < self.peer_window:
            size = min(self.mss, len(self._sendbuf), self.peer_window - in_flight)
            chunk = bytes(self._sendbuf[:size])
            del self._sendbuf[:size]
            last = not self._sendbuf and self._fin_pending
            flags = "FPA" if last else "PA"
            self._emit(flags, self.snd_nxt, self.rcv_nxt, chunk)
            self._inflight.append((self.snd_nxt, flags, chunk))
            self.snd_nxt = (self.snd_nxt + size + (1 if last else 0)) % _MOD
            in_flight += size
            self._ack_needed = False
            if last:
                self._sent_fin()
        if self._fin_pending and not self._fin_sent and not self._sendbuf:
            self._emit("FA", self.snd_nxt, self.rcv_nxt, b"")
            self._inflight.append((self.snd_nxt, "FA", b""))
            self.snd_nxt = (self.snd_nxt + 1) % _MOD
            self._ack_needed = False
            self._sent_fin()
        if self._inflight and self._timer is None:
            self._arm()

    def _sent_fin(self) -> None:
        self._fin_sent = True
        self.state = LAST_ACK if self.state == CLOSE_WAIT else FIN_WAIT_1

    def _schedule_ack(self) -> None:
        self._ack_needed = True
        if not self._ack_scheduled:
            self._ack_scheduled = True
            self.loop.call_soon(self._flush_ack)

    def _flush_ack(self) -> None:
        self._ack_scheduled = False
        if self._ack_needed and self.state != CLOSED:
            self._ack_needed = False
            self._emit("A", self.snd_nxt, self.rcv_nxt, b"")

    # -- retransmission ----------------------------------------------------------------
    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.loop.call_later(self._rto, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if not self._inflight or self.state == CLOSED:
            return
        if self._retries >= MAX_RETRIES:
            self._fail("timeout")
            return
        self._retries += 1
        self._rto = min(self._rto * 2, MAX_RTO)
        seq, flags, payload = self._inflight[0]
        ack = 0 if flags == "S" else self.rcv_nxt
        mss = self.mss if "S" in flags else None
        self._emit(flags, seq, ack, payload, mss)
        self._arm()

    # -- receiving -----------------------------------------------------------------------
    def segment_arrived(self, p: Packet) -> None:
        flags = p.flags
        state = self.state
        if state == CLOSED:
            return
        if state == SYN_SENT:
            if "A" in flags and p.ack != self.snd_nxt:
                if "R" not in flags:
                    self._emit("R", p.ack, 0, b"")
                return
            if "R" in flags:
                if "A" in flags:
                    self._fail("refused")
                return
            if "S" in flags and "A" in flags:
                self.rcv_nxt = (p.seq + 1) % _MOD
                self._acked(p.ack)
                self.peer_window = p.window
                self.state = ESTABLISHED
                self._emit("A", self.snd_nxt, self.rcv_nxt, b"")
                self._notify()
            return
        # RFC 9293 3.10.7.4: a reset is acceptable when its sequence number is in the window
        if "R" in flags:
            if (p.seq - self.rcv_nxt) % _MOD < WINDOW:
                self._fail("reset")
            return
        if "S" in flags:
            if state == SYN_RCVD and "A" not in flags:
                return  # a retransmitted SYN: our SYN-ACK timer will answer
            self._schedule_ack()  # a SYN-ACK again: our ACK was lost
            return
        if "A" in flags:
            if (p.ack - self.snd_una) % _MOD <= (self.snd_nxt - self.snd_una) % _MOD:
                self._acked(p.ack)
                self.peer_window = p.window
            if state == SYN_RCVD and self.snd_una == self.snd_nxt:
                self.state = ESTABLISHED
                accept, self._on_accept = self._on_accept, None
                if accept is not None:
                    accept(self)
        if p.payload or "F" in flags:
            self._receive(p)
        all_acked = self.snd_una == self.snd_nxt
        if self.state == FIN_WAIT_1 and self._fin_sent and all_acked:
            self.state = FIN_WAIT_2
        if (self.state in (LAST_ACK, CLOSING) and all_acked) or (
            self.state == FIN_WAIT_2 and self.eof
        ):
            if self._ack_needed:  # acknowledge the peer's FIN before forgetting
                self._ack_needed = False
                self._emit("A", self.snd_nxt, self.rcv_nxt, b"")
            self._finish()
        elif self._sendbuf:
            self._output()

    def _acked(self, ack: int) -> None:
        progressed = False
        while self._inflight:
            seq, flags, payload = self._inflight[0]
            end = (seq + len(payload) + (1 if ("S" in flags or "F" in flags) else 0)) % _MOD
            if (ack - end) % _MOD < 2**31:
                self._inflight.pop(0)
                progressed = True
            else:
                break
        self.snd_una = ack
        if progressed:
            self._rto = INITIAL_RTO
            self._retries = 0
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._inflight:
                self._arm()

    def _receive(self, p: Packet) -> None:
        seq = p.seq
        data = p.payload
        offset = (self.rcv_nxt - seq) % _MOD
        if offset < 2**31:  # the segment starts at or before rcv_nxt
            if offset > len(data) or (offset == len(data) and "F" not in p.flags):
                self._schedule_ack()  # an old duplicate
                return
            data = data[offset:]
            seq = self.rcv_nxt
        else:
            self._ooo[seq] = p.payload  # a hole before it: keep it for later
            self._schedule_ack()
            return
        fin = "F" in p.flags
        new = bytearray(data)
        self.rcv_nxt = (self.rcv_nxt + len(data)) % _MOD
        while self.rcv_nxt in self._ooo:
            more = self._ooo.pop(self.rcv_nxt)
            new += more
            self.rcv_nxt = (self.rcv_nxt + len(more)) % _MOD
        if fin and not self.eof:
            self.rcv_nxt = (self.rcv_nxt + 1) % _MOD
        self._schedule_ack()
        if new:
            self.received += new
            if self.on_data is not None:
                chunk = bytes(self.received)
                self.received.clear()
                self.on_data(self, chunk)
        if fin and not self.eof:
            self.eof = True
            if self.state == ESTABLISHED:
                self.state = CLOSE_WAIT
            elif self.state == FIN_WAIT_1:
                self.state = CLOSING
            if self.on_eof is not None:
                self.on_eof(self)
        self._notify()

    # -- endings -----------------------------------------------------------------------
    def _fail(self, kind: str) -> None:
        self.error = kind
        self._finish()
        if self.on_error is not None:
            self.on_error(self, kind)

    def _finish(self) -> None:
        if self.state == CLOSED:
            return
        self.state = CLOSED
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._inflight.clear()
        self.host._forget(self)
        self._notify()

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for ev in waiters:
            ev.succeed()

    def changed(self) -> Event:
        """An event that fires at the connection's next change (data, FIN, state, error)."""
        ev = Event(self.loop)
        self._waiters.append(ev)
        return ev

    # -- process-style helpers (``yield from``) ------------------------------------------
    def wait_connected(self, timeout: float) -> Generator[Event, object, None]:
        """Wait for the handshake; raise :class:`TCPError` on refusal, reset or timeout."""
        deadline = self.loop.now + timeout
        while self.state in (SYN_SENT, SYN_RCVD):
            if not (yield from self._wait(deadline)):
                self.abort()
                raise TCPError("timeout", f"no answer to SYN within {timeout:g} s")
        if self.error:
            raise TCPError(self.error)

    def recv(self, timeout: float) -> Generator[Event, object, bytes]:
        """Wait for data; return it, or ``b""`` at end of stream. Raises :class:`TCPError`."""
        deadline = self.loop.now + timeout
        while not self.received and not self.eof and self.error is None:
            if self.state == CLOSED:
                break
            if not (yield from self._wait(deadline)):
                raise TCPError("timeout", f"no data within {timeout:g} s")
        if self.received:
            data = bytes(self.received)
            self.received.clear()
            return data
        if self.error:
            raise TCPError(self.error)
        return b""

    def _wait(self, deadline: float) -> Generator[Event, object, bool]:
        remaining = deadline - self.loop.now
        if remaining <= 0:
            return False
        timer = self.loop.timeout(remaining)
        which, _ = yield first_of(self.loop, self.changed(), timer)
        timer.cancel()
        return which == 0

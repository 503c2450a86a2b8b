"""TCP as the simulator speaks it: enough of RFC 9293 for censorship to act on (lesson 01).

Theory of operation
-------------------
:class:`TCPConnection` is one end of a connection as a state machine without I/O, in the
manner of h11: segments and the time go in (:meth:`~TCPConnection.receive`,
:meth:`~TCPConnection.on_timer`), application calls go in (``open``, ``send``,
``close``), and out come the segments to send (lists of :class:`~censorsim.wire.Packet`)
and events (:meth:`~TCPConnection.next_event`: :class:`Connected`, :class:`DataReceived`,
:class:`EndOfStream`, :class:`ConnectionFailed`, :class:`ConnectionClosed`). Its states
change only through :data:`TRANSITIONS`, a table from ``(state, event)`` to the next
state, which lesson 01 draws. :class:`TCPStack` is the driver: it sits on a host, hands
segments between the network and the connections, keeps their timers on the virtual
clock, and offers sockets (:class:`TCPSocket`) to clients and servers.

What censors exploit is all here:

* a dropped SYN is retransmitted after 1 s, then 2 s, 4 s... until the application's
  connect timeout: an IP block by dropping shows up as ``tcp:timeout``;
* a RST whose sequence number is exactly the next one expected kills the connection at
  once: an injected reset shows up as ``tcp:refused`` (in answer to a SYN) or as a reset
  at the stage the connection had reached (``tls:reset``, ``http:reset``). A RST that is
  merely inside the window gets a *challenge ACK* instead, as RFC 5961 section 3.2 asks
  of modern stacks (Linux since 3.6): an injector must know the exact sequence number,
  which an on-path censor does, since it saw the last segment;
* lost data is retransmitted with the same sequence numbers, so a censor that drops one
  ClientHello sees it again, and drops it again, until the client gives up.

Simplifications, stated: no congestion control (the peer's 64 KiB window is the only
limit), no window scaling, SACK or timestamps, no delayed-ACK timer (an ACK rides on the
next data segment when the application answers at once, and goes alone otherwise), and
TIME_WAIT ends at once (the connection is forgotten instead of waiting 2 MSL). Segments
are at most one MSS (1460 bytes over IPv4, 1440 over IPv6).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass

from censorsim.core.clock import Event, Loop, Timer, first_of
from censorsim.core.net import Host
from censorsim.wire.ip import IPAddress, Packet

__all__ = [
    "TCPConnection",
    "TCPStack",
    "TCPSocket",
    "TCPError",
    "TRANSITIONS",
    "Connected",
    "DataReceived",
    "EndOfStream",
    "ConnectionFailed",
    "ConnectionClosed",
]

CLOSED, SYN_SENT, SYN_RCVD, ESTABLISHED = "CLOSED", "SYN_SENT", "SYN_RCVD", "ESTABLISHED"
FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT = "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT"
CLOSING, LAST_ACK, TIME_WAIT = "CLOSING", "LAST_ACK", "TIME_WAIT"

#: The state machine (RFC 9293 figure 5): (state, event) -> next state. Events: ``open``
#: (the application connects: SYN sent), ``syn`` (a listener accepts a SYN: SYN-ACK
#: sent), ``syn-ack``, ``ack`` (our SYN acknowledged), ``close`` (the application closes:
#: FIN sent), ``fin`` (the peer's FIN), ``ack-of-fin`` (our FIN acknowledged). A reset, a
#: timeout or an abort leads from any state to CLOSED.
TRANSITIONS: dict[tuple[str, str], str] = {
    (CLOSED, "open"): SYN_SENT,
    (CLOSED, "syn"): SYN_RCVD,
    (SYN_SENT, "syn-ack"): ESTABLISHED,
    (SYN_RCVD, "ack"): ESTABLISHED,
    (SYN_SENT, "close"): CLOSED,
    (SYN_RCVD, "close"): CLOSED,
    (ESTABLISHED, "close"): FIN_WAIT_1,
    (ESTABLISHED, "fin"): CLOSE_WAIT,
    (CLOSE_WAIT, "close"): LAST_ACK,
    (FIN_WAIT_1, "ack-of-fin"): FIN_WAIT_2,
    (FIN_WAIT_1, "fin"): CLOSING,
    (FIN_WAIT_2, "fin"): TIME_WAIT,
    (CLOSING, "ack-of-fin"): TIME_WAIT,
    (LAST_ACK, "ack-of-fin"): CLOSED,
}
_ENDS = ("rst", "timeout", "abort")  # from any state to CLOSED

INITIAL_RTO = 1.0
MAX_RTO = 60.0
MAX_RETRIES = 8
WINDOW = 65535
_MOD = 2**32
_HALF = 2**31


@dataclass(frozen=True, slots=True)
class Connected:
    """The three-way handshake completed."""


@dataclass(frozen=True, slots=True)
class DataReceived:
    """In-order bytes from the peer."""

    data: bytes


@dataclass(frozen=True, slots=True)
class EndOfStream:
    """The peer sent FIN: it will send no more."""


@dataclass(frozen=True, slots=True)
class ConnectionFailed:
    """The connection ended abnormally: ``kind`` is ``refused``, ``reset`` or ``timeout``."""

    kind: str


@dataclass(frozen=True, slots=True)
class ConnectionClosed:
    """Both sides closed, and every byte was acknowledged."""


class TCPError(Exception):
    """A connection failed: ``kind`` is ``"refused"``, ``"reset"`` or ``"timeout"``."""

    def __init__(self, kind: str, message: str = ""):
        super().__init__(message or kind)
        self.kind = kind


class TCPConnection:
    """One end of a TCP connection: a state machine without I/O.

    Every method that takes ``now`` returns the segments to send, in order. Read events
    with :meth:`next_event` after each call. ``ident`` gives the IPv4 identification of
    each segment (the host's counter); ``ttl`` the TTL it is sent with.
    """

    def __init__(
        self,
        local: IPAddress,
        lport: int,
        remote: IPAddress,
        rport: int,
        *,
        isn: int,
        ident: Callable[[], int] | None = None,
        ttl: int = 64,
    ):
        self.local, self.lport, self.remote, self.rport = local, lport, remote, rport
        self.mss = 1460 if local.version == 4 else 1440
        self.state = CLOSED
        self.iss = isn
        self.snd_una = isn
        self.snd_nxt = isn
        self.rcv_nxt = 0
        self.peer_window = WINDOW
        self.ttl = ttl
        self._ident = ident or (lambda: 0)
        self._sendbuf = bytearray()
        self._inflight: list[tuple[int, str, bytes]] = []  # (seq, flags, payload)
        self._fin_pending = False
        self._fin_sent = False
        self._ooo: dict[int, bytes] = {}
        self._due: float | None = None
        self._rto = INITIAL_RTO
        self._retries = 0
        self.ack_pending = False  # an ACK is owed; :meth:`flush` sends it alone
        self.eof = False  # the peer sent FIN
        self.error: str | None = None  # "refused" | "reset" | "timeout"
        self.challenge_acks = 0  # RFC 5961 challenge ACKs sent (in-window resets ignored)
        self._events: list = []
        self._finished = False

    def __repr__(self) -> str:
        return (
            f"<TCPConnection {self.local}:{self.lport} -> {self.remote}:{self.rport} {self.state}>"
        )

    # -- the table -------------------------------------------------------------------------
    def _event(self, name: str) -> None:
        if name in _ENDS:
            self.state = CLOSED
            return
        nxt = TRANSITIONS.get((self.state, name))
        if nxt is not None:
            self.state = nxt

    def next_event(self):
        """The oldest event not yet read, or None."""
        return self._events.pop(0) if self._events else None

    def events(self) -> list:
        """Every event not yet read, oldest first."""
        out, self._events = self._events, []
        return out

    def timer(self) -> float | None:
        """The virtual time at which :meth:`on_timer` is due (None: no timer)."""
        return self._due

    # -- building segments -----------------------------------------------------------------
    def _segment(self, flags: str, seq: int, ack: int, payload: bytes = b"", mss=None) -> Packet:
        return Packet(
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
            self.ttl,
            self._ident() if self.local.version == 4 else 0,
            mss,
        )

    # -- application calls -----------------------------------------------------------------
    def open(self, now: float) -> list[Packet]:
        """Active open: the SYN."""
        if self.state != CLOSED or self._finished:
            raise ValueError(f"cannot open a connection in state {self.state}")
        self._event("open")
        out = [self._segment("S", self.iss, 0, b"", self.mss)]
        self.snd_nxt = (self.iss + 1) % _MOD
        self._inflight.append((self.iss, "S", b""))
        self._arm(now)
        return out

    def accept(self, syn: Packet, now: float) -> list[Packet]:
        """Passive open, in answer to ``syn``: the SYN-ACK."""
        if self.state != CLOSED or self._finished:
            raise ValueError(f"cannot accept a SYN in state {self.state}")
        self._event("syn")
        self.rcv_nxt = (syn.seq + 1) % _MOD
        out = [self._segment("SA", self.iss, self.rcv_nxt, b"", self.mss)]
        self.snd_nxt = (self.iss + 1) % _MOD
        self._inflight.append((self.iss, "SA", b""))
        self._arm(now)
        return out

    def send(self, data: bytes, now: float) -> list[Packet]:
        """Queue application data; it leaves in MSS-sized segments as the window allows."""
        if self.state not in (ESTABLISHED, CLOSE_WAIT) or self._fin_pending:
            return []
        self._sendbuf += data
        return self._output(now)

    def close(self, now: float) -> list[Packet]:
        """Graceful close: FIN after the queued data (an unopened connection just ends)."""
        if self.state in (ESTABLISHED, CLOSE_WAIT) and not self._fin_pending:
            self._fin_pending = True
            return self._output(now)
        if self.state in (SYN_SENT, SYN_RCVD):
            self._finish("abort")
        return []

    def reset(self, now: float) -> list[Packet]:
        """Send RST and forget the connection."""
        out = []
        if self.state not in (CLOSED, SYN_SENT):
            out.append(self._segment("RA", self.snd_nxt, self.rcv_nxt))
        self._finish("abort")
        return out

    def abort(self) -> None:
        """Forget the connection without sending anything (what a timeout does)."""
        self._finish("abort")

    def flush(self, now: float) -> list[Packet]:
        """The ACK owed, alone, if no data segment carried it meanwhile."""
        if self.ack_pending and self.state != CLOSED:
            self.ack_pending = False
            return [self._segment("A", self.snd_nxt, self.rcv_nxt)]
        self.ack_pending = False
        return []

    # -- sending -----------------------------------------------------------------------
    def _output(self, now: float) -> list[Packet]:
        out = []
        in_flight = (self.snd_nxt - self.snd_una) % _MOD
        while self._sendbuf and in_flight < self.peer_window:
            size = min(self.mss, len(self._sendbuf), self.peer_window - in_flight)
            chunk = bytes(self._sendbuf[:size])
            del self._sendbuf[:size]
            last = not self._sendbuf and self._fin_pending
            flags = "FPA" if last else "PA"
            out.append(self._segment(flags, self.snd_nxt, self.rcv_nxt, chunk))
            self._inflight.append((self.snd_nxt, flags, chunk))
            self.snd_nxt = (self.snd_nxt + size + (1 if last else 0)) % _MOD
            in_flight += size
            self.ack_pending = False
            if last:
                self._sent_fin()
        if self._fin_pending and not self._fin_sent and not self._sendbuf:
            out.append(self._segment("FA", self.snd_nxt, self.rcv_nxt))
            self._inflight.append((self.snd_nxt, "FA", b""))
            self.snd_nxt = (self.snd_nxt + 1) % _MOD
            self.ack_pending = False
            self._sent_fin()
        if self._inflight and self._due is None:
            self._arm(now)
        return out

    def _sent_fin(self) -> None:
        self._fin_sent = True
        self._event("close")

    # -- retransmission ----------------------------------------------------------------
    def _arm(self, now: float) -> None:
        self._due = now + self._rto

    def on_timer(self, now: float) -> list[Packet]:
        """The retransmission timer fired: resend the oldest unacknowledged segment, with
        the timeout doubled, or give up after :data:`MAX_RETRIES`."""
        self._due = None
        if not self._inflight or self.state == CLOSED:
            return []
        if self._retries >= MAX_RETRIES:
            self._fail("timeout")
            return []
        self._retries += 1
        self._rto = min(self._rto * 2, MAX_RTO)
        seq, flags, payload = self._inflight[0]
        ack = 0 if flags == "S" else self.rcv_nxt
        mss = self.mss if "S" in flags else None
        self._arm(now)
        return [self._segment(flags, seq, ack, payload, mss)]

    # -- receiving -----------------------------------------------------------------------
    def receive(self, p: Packet, now: float) -> list[Packet]:
        """A segment of this connection arrived; returns the segments to send at once."""
        flags = p.flags
        state = self.state
        if state == CLOSED:
            return []
        if state == SYN_SENT:
            if "A" in flags and p.ack != self.snd_nxt:
                return [] if "R" in flags else [self._segment("R", p.ack, 0)]
            if "R" in flags:
                if "A" in flags:  # RFC 9293 3.10.7.3: a reset acknowledging our SYN
                    self._fail("refused")
                return []
            if "S" in flags and "A" in flags:
                self.rcv_nxt = (p.seq + 1) % _MOD
                self._acked(p.ack, now)
                self.peer_window = p.window
                self._event("syn-ack")
                self._events.append(Connected())
                return [self._segment("A", self.snd_nxt, self.rcv_nxt)]
            return []
        if "R" in flags:
            # RFC 5961 3.2: only a reset at exactly the next expected sequence number is
            # acted on; one elsewhere in the window gets a challenge ACK; others are ignored
            if p.seq == self.rcv_nxt:
                self._fail("reset")
                return []
            if (p.seq - self.rcv_nxt) % _MOD < WINDOW:
                self.challenge_acks += 1
                return [self._segment("A", self.snd_nxt, self.rcv_nxt)]
            return []
        if "S" in flags:
            if state == SYN_RCVD and "A" not in flags:
                return []  # a retransmitted SYN: our SYN-ACK timer will answer
            self.ack_pending = True  # a SYN-ACK again: our ACK was lost
            return []
        out: list[Packet] = []
        if "A" in flags:
            if (p.ack - self.snd_una) % _MOD <= (self.snd_nxt - self.snd_una) % _MOD:
                self._acked(p.ack, now)
                self.peer_window = p.window
            if state == SYN_RCVD and self.snd_una == self.snd_nxt:
                self._event("ack")
                self._events.append(Connected())
        if p.payload or "F" in flags:
            self._receive(p)
        all_acked = self.snd_una == self.snd_nxt
        if self._fin_sent and all_acked and self.state in (FIN_WAIT_1, CLOSING, LAST_ACK):
            self._event("ack-of-fin")
        if self.state in (TIME_WAIT, CLOSED):
            if self.ack_pending:  # acknowledge the peer's FIN before forgetting
                self.ack_pending = False
                out.append(self._segment("A", self.snd_nxt, self.rcv_nxt))
            self._finish(None)
        elif self._sendbuf:
            out += self._output(now)
        return out

    def _acked(self, ack: int, now: float) -> None:
        progressed = False
        while self._inflight:
            seq, flags, payload = self._inflight[0]
            end = (seq + len(payload) + (1 if ("S" in flags or "F" in flags) else 0)) % _MOD
            if (ack - end) % _MOD < _HALF:
                self._inflight.pop(0)
                progressed = True
            else:
                break
        self.snd_una = ack
        if progressed:
            self._rto = INITIAL_RTO
            self._retries = 0
            self._due = None
            if self._inflight:
                self._arm(now)

    def _receive(self, p: Packet) -> None:
        seq = p.seq
        data = p.payload
        offset = (self.rcv_nxt - seq) % _MOD
        if offset < _HALF:  # the segment starts at or before rcv_nxt
            if offset > len(data) or (offset == len(data) and "F" not in p.flags):
                self.ack_pending = True  # an old duplicate
                return
            data = data[offset:]
        else:
            self._ooo[seq] = p.payload  # a hole before it: keep it for later
            self.ack_pending = True
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
        self.ack_pending = True
        if new:
            self._events.append(DataReceived(bytes(new)))
        if fin and not self.eof:
            self.eof = True
            self._event("fin")
            self._events.append(EndOfStream())

    # -- endings -----------------------------------------------------------------------
    def _fail(self, kind: str) -> None:
        self.error = kind
        self._finish("rst" if kind != "timeout" else "timeout")
        self._events.append(ConnectionFailed(kind))

    def _finish(self, event: str | None) -> None:
        if self._finished:
            return
        self._finished = True
        self.state = CLOSED
        self._due = None
        self._inflight.clear()
        if event is None:
            self._events.append(ConnectionClosed())


# -- the driver: a TCP stack on a host ------------------------------------------------------
class TCPStack:
    """The TCP of one host: demultiplexes segments, runs timers, answers closed ports.

    Get a host's stack with :meth:`of` (made on first use). A SYN to a port nobody
    listens on is answered with a RST, as RFC 9293 says (``tcp:refused`` for the client).
    """

    def __init__(self, host: Host):
        self.host = host
        self.loop: Loop = host.internet.loop
        self._isn = host.internet.rng("tcp-isn")
        self._listeners: dict[int, Callable[[TCPSocket], None]] = {}
        self.connections: dict[tuple, TCPSocket] = {}
        host.set_handler("tcp", self.receive)

    def __repr__(self) -> str:
        return f"<TCPStack {self.host.name}: {len(self.connections)} connections>"

    @classmethod
    def of(cls, host: Host) -> TCPStack:
        stack = host.layers.get("tcp")
        if stack is None:
            stack = host.layers["tcp"] = cls(host)
        return stack

    def listen(self, port: int, on_accept: Callable[[TCPSocket], None]) -> None:
        if type(port) is not int or not 1 <= port <= 65535:
            raise ValueError(f"port {port!r} is not a TCP port (1 to 65535)")
        self._listeners[port] = on_accept

    def listening(self, port: int) -> bool:
        return port in self._listeners

    def connect(self, remote: IPAddress, port: int) -> TCPSocket:
        """Open a connection (the SYN leaves now); wait on it with ``wait_connected``."""
        if type(port) is not int or not 1 <= port <= 65535:
            raise ValueError(f"port {port!r} is not a TCP port (1 to 65535)")
        local = self.host.address_for(remote)
        lport = self.host.ephemeral_port()
        conn = TCPConnection(
            local, lport, remote, port, isn=self._isn.getrandbits(32), ident=self.host.next_ident
        )
        sock = TCPSocket(self, conn)
        self.connections[(local, lport, remote, port)] = sock
        sock._run(conn.open(self.loop.now))
        return sock

    def receive(self, packet: Packet) -> None:
        key = (packet.dst, packet.dport, packet.src, packet.sport)
        sock = self.connections.get(key)
        if sock is not None:
            sock._run(sock.conn.receive(packet, self.loop.now))
            return
        flags = packet.flags
        if "S" in flags and "A" not in flags and "R" not in flags:
            accept = self._listeners.get(packet.dport)
            if accept is not None and packet.dst in self.host.addresses:
                conn = TCPConnection(
                    packet.dst,
                    packet.dport,
                    packet.src,
                    packet.sport,
                    isn=self._isn.getrandbits(32),
                    ident=self.host.next_ident,
                )
                sock = TCPSocket(self, conn, accept)
                self.connections[key] = sock
                sock._run(conn.accept(packet, self.loop.now))
                return
        if "R" in flags:
            return
        # Nothing listens or the connection is gone: RFC 9293 3.10.7.1 says answer with a reset
        ident = self.host.next_ident() if packet.version == 4 else 0
        if "A" in flags:
            rst = packet.reply(flags="R", seq=packet.ack, ack=0, ident=ident, ttl=64)
        else:
            span = len(packet.payload) + ("S" in flags) + ("F" in flags)
            rst = packet.reply(
                flags="RA", seq=0, ack=(packet.seq + span) % _MOD, ident=ident, ttl=64
            )
        self.host.send(rst)

    def _forget(self, sock: TCPSocket) -> None:
        c = sock.conn
        self.connections.pop((c.local, c.lport, c.remote, c.rport), None)


class TCPSocket:
    """A connection as applications use it: callbacks for servers, ``yield from`` helpers
    for client processes. It drives a :class:`TCPConnection` on the host's clock."""

    def __init__(self, stack: TCPStack, conn: TCPConnection, on_accept=None):
        self.stack = stack
        self.conn = conn
        self.loop = stack.loop
        self.received = bytearray()  # data not yet consumed by the application
        self._waiters: list[Event] = []
        self._timer: Timer | None = None
        self._timer_due: float | None = None
        self._ack_scheduled = False
        self._seen_state = conn.state
        self._on_accept = on_accept
        # callbacks for callback-style applications (servers)
        self.on_data: Callable[[TCPSocket, bytes], None] | None = None
        self.on_eof: Callable[[TCPSocket], None] | None = None
        self.on_error: Callable[[TCPSocket, str], None] | None = None

    def __repr__(self) -> str:
        c = self.conn
        return f"<TCPSocket {c.local}:{c.lport} -> {c.remote}:{c.rport} {c.state}>"

    # -- state, as the old single-object API had it --------------------------------------
    @property
    def state(self) -> str:
        return self.conn.state

    @property
    def error(self) -> str | None:
        return self.conn.error

    @property
    def eof(self) -> bool:
        return self.conn.eof

    @property
    def remote(self) -> IPAddress:
        return self.conn.remote

    @property
    def local(self) -> IPAddress:
        return self.conn.local

    # -- driving the machine ---------------------------------------------------------------
    def _run(self, out: list[Packet]) -> None:
        """Send what the machine produced, hand its events on, keep its timer."""
        host = self.stack.host
        for packet in out:
            host.send(packet)
        conn = self.conn
        changed = conn.state != self._seen_state or bool(conn._events)
        self._seen_state = conn.state
        while conn._events:
            self._dispatch(conn._events.pop(0))
        if conn.ack_pending and not self._ack_scheduled and conn.state != CLOSED:
            self._ack_scheduled = True
            self.loop.call_soon(self._flush)
        due = conn.timer()
        if due != self._timer_due:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = None if due is None else self.loop.call_at(due, self._fire)
            self._timer_due = due
        if conn.state == CLOSED:
            self.stack._forget(self)
        if changed:  # sending alone changes nothing a waiter waits for
            self._notify()

    def _dispatch(self, event) -> None:
        kind = type(event)
        if kind is DataReceived:
            if self.on_data is not None:
                self.on_data(self, event.data)
            else:
                self.received += event.data
        elif kind is EndOfStream:
            if self.on_eof is not None:
                self.on_eof(self)
        elif kind is Connected:
            accept, self._on_accept = self._on_accept, None
            if accept is not None:
                accept(self)
        elif kind is ConnectionFailed:
            if self.on_error is not None:
                self.on_error(self, event.kind)

    def _flush(self) -> None:
        self._ack_scheduled = False
        self._run(self.conn.flush(self.loop.now))

    def _fire(self) -> None:
        self._timer = None
        self._timer_due = None
        self._run(self.conn.on_timer(self.loop.now))

    # -- application calls -----------------------------------------------------------------
    def send(self, data: bytes) -> None:
        """Queue data; each call leaves as its own segment(s)."""
        self._run(self.conn.send(data, self.loop.now))

    def close(self) -> None:
        """Send FIN after the queued data (a graceful close)."""
        self._run(self.conn.close(self.loop.now))

    def reset(self) -> None:
        """Send RST and forget the connection."""
        self._run(self.conn.reset(self.loop.now))

    def abort(self) -> None:
        """Forget the connection without sending anything (what a timeout does)."""
        self.conn.abort()
        self._run([])

    # -- waiting (process style, with ``yield from``) --------------------------------------
    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for ev in waiters:
            ev.succeed()

    def changed(self) -> Event:
        """An event that fires at the connection's next change (data, FIN, state, error)."""
        ev = Event(self.loop)
        self._waiters.append(ev)
        return ev

    def wait_connected(self, timeout: float) -> Generator[Event, object, None]:
        """Wait for the handshake; raise :class:`TCPError` on refusal, reset or timeout."""
        deadline = self.loop.deadline(timeout)
        while self.state in (SYN_SENT, SYN_RCVD):
            if not (yield from self._wait(deadline)):
                self.abort()
                raise TCPError("timeout", f"no answer to SYN within {timeout:g} s")
        if self.error:
            raise TCPError(self.error)

    def recv(self, timeout: float) -> Generator[Event, object, bytes]:
        """Wait for data; return it, or ``b""`` at end of stream. Raises :class:`TCPError`."""
        deadline = self.loop.deadline(timeout)
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
        remaining = self.loop.remaining(deadline)
        if remaining <= 0:
            return False
        timer = self.loop.timeout(remaining)
        which, _ = yield first_of(self.loop, self.changed(), timer)
        timer.cancel()
        return which == 0

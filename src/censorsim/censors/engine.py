"""The censor engine: rules in order, first match wins, verdicts remembered per flow.

Theory of operation
-------------------
A censor in an ISP sits on the path of its subscribers' traffic (in-path, like the
Russian TSPU boxes or a provider's DPI), looks at each packet that crosses the ISP's
border, and decides. Deployed systems share a shape that ooni/netem's ``DPIEngine``
also has: an ordered list of rules, where the first rule that matches decides, and a
per-flow memory, so that once a connection is condemned every later packet of it meets
the same fate without being parsed again.

* A rule is pure: ``rule.inspect(observation) -> Verdict | None``, where the
  :class:`Observation` holds the packet, its direction, the :class:`Flow` it belongs to,
  and the bytes the censor reads (the packet's payload, or the client's stream so far
  when the engine reassembles). A rule never sends anything; the router carries the
  verdict out (forward, drop, delay, inject packets). A verdict with ``keep`` is applied
  to every later packet of the flow without asking the rules again.
* A :class:`Flow` is one TCP connection or UDP exchange, keyed by its addresses and ports
  in both directions. It records who opened it, the next sequence number each side will
  send (so an injected RST is accepted), and the verdict once one was reached.
* ``reassemble``: a per-packet censor reads each TCP segment alone, so a ClientHello
  split across two segments hides its server name (neither half parses). A reassembling
  censor keeps the client's stream per flow and reads it whole. Keeping that state on
  the flow, not on the rule, is what makes it work (ooni/netem's SNI rules once missed
  split ClientHellos because state lived on the rule).
* QUIC: the client's first datagrams to UDP port 443 are kept on the flow too, so a
  reassembling censor reads a ClientHello that spans several Initial packets; a
  per-packet one reads each datagram alone.
* ``read_records``: a ClientHello may also be cut into several *TLS records*, which a
  client is free to do (RFC 8446 5.1). Some DPI boxes gather the handshake across records
  (``"all"``, the default here); others read the first record only (``"first"``), and a
  hello whose server name falls in the second record passes them. Both kinds were found
  in deployed censors (the GFW reassembles; several commercial boxes did not; Niere et al.,
  "Transport Layer Obscurity", 2023).
* Bad input never crashes the censor: a rule that cannot parse what it reads raises
  ``ValueError`` (``MalformedPacket``), and the engine answers with an explicit verdict,
  ``on_malformed``: ``"pass"`` (the default; what most middleboxes do) or ``"drop"``.

Resolver rules (``NXDomainOnQName`` and friends, :class:`ResolverRule`) are a separate
kind, added to the same engine but acting in the ISP's resolver: the resolver asks
:meth:`CensorEngine.resolver_decision` about every query before answering, and the first
resolver rule that matches builds the answer itself (or decides to give none).

Flows idle for five minutes are forgotten, oldest first, at a cost that does not grow
with the number of flows (a real DPI box's table is finite too).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from censorsim.core.net import Verdict, _akey
from censorsim.wire import Packet

__all__ = ["CensorEngine", "Flow", "Verdict", "Rule", "Observation", "ResolverRule"]

_REASSEMBLY_LIMIT = 16384  # bytes of the client's stream a reassembling censor keeps
_FLOW_IDLE = 300.0  # seconds after which an idle flow is forgotten
_QUIC_DATAGRAMS = 4  # a client's first datagrams a reassembling censor keeps (QUIC)


@dataclass(eq=False)
class Flow:
    """What a censor knows about one connection (state lives here, not on rules)."""

    proto: str
    client: tuple  # (address, port) of the side that opened the flow
    server: tuple
    first_seen: float
    last_seen: float = 0.0
    client_next_seq: int | None = None  # the next sequence number each side will send
    server_next_seq: int | None = None
    client_isn: int | None = None
    client_stream: bytearray = field(default_factory=bytearray)  # reassembled, in order
    client_pending: dict = field(default_factory=dict)  # offset -> bytes beyond a hole
    verdict: Verdict | None = None  # a remembered decision (drop, reset, throttle)
    throttle_free_at: dict = field(default_factory=dict)  # direction -> time the link frees
    packets: int = 0
    client_key: tuple = ()  # the client's (address key, port): compared for every packet
    client_datagrams: list = field(default_factory=list)  # QUIC: the client's first datagrams

    def __post_init__(self) -> None:
        self.client_key = (_akey(self.client[0]), self.client[1])

    def from_client(self, packet: Packet) -> bool:
        return packet.sport == self.client_key[1] and _akey(packet.src) == self.client_key[0]

    def __repr__(self) -> str:
        c = f"{self.client[0]}:{self.client[1]}"
        s = f"{self.server[0]}:{self.server[1]}"
        state = f", verdict={self.verdict.action!r}" if self.verdict else ""
        return f"<Flow {self.proto} {c} > {s}, {self.packets} packets{state}>"


@dataclass(frozen=True, slots=True)
class Observation:
    """What a rule is shown about one packet.

    ``data`` is what the censor reads: the packet's payload, or (for a client's TCP
    segment, when the engine reassembles) the client's stream from its first byte so far.
    ``direction`` is ``"out"`` (leaving the censored network) or ``"in"``.
    """

    packet: Packet
    direction: str
    flow: Flow
    data: bytes
    now: float
    read_records: str = "all"
    datagrams: tuple = ()  # QUIC: the client's datagrams the censor reads (see above)

    @property
    def from_client(self) -> bool:
        """Whether the packet comes from the side that opened the flow."""
        return self.flow.from_client(self.packet)


class Rule:
    """Base class of packet rules: implement ``inspect(observation) -> Verdict | None``."""

    layer = "packet"

    def inspect(self, observation: Observation) -> Verdict | None:  # pragma: no cover
        raise NotImplementedError

    def name(self) -> str:
        return repr(self)


class ResolverRule:
    """Base class of resolver rules: they act in a resolver, not on packets.

    ``decide(query)`` gets a :class:`censorsim.censors.dns.ResolverQuery` and returns None
    (resolve normally) or a :class:`censorsim.protocols.dns.ResolverDecision`: the answer
    the rule built, or no answer at all.
    """

    layer = "resolver"

    def decide(self, query):  # pragma: no cover
        raise NotImplementedError

    def name(self) -> str:
        return repr(self)


class CensorEngine:
    """An ISP's censor: ordered rules, per-flow memory, optional stream reassembly.

    Add rules with :meth:`add`. ``reassemble`` makes SNI and Host rules read the client's
    reassembled stream instead of each segment alone. ``on_malformed`` (``"pass"`` or
    ``"drop"``) is the verdict for packets a rule cannot parse.
    """

    def __init__(
        self,
        name: str = "censor",
        *,
        reassemble: bool = False,
        on_malformed: str = "pass",
        read_records: str = "all",
    ):
        self.name = name
        self.read_records = read_records
        self.rules: list = []
        self.packet_rules: list[Rule] = []
        self.resolver_rules: list[ResolverRule] = []
        self.reassemble = reassemble
        self.on_malformed = on_malformed
        self.flows: OrderedDict[tuple, Flow] = OrderedDict()
        self.decisions = 0  # verdicts other than "pass", for quick statistics
        self.blockpage_addresses: tuple = ()  # the ISP's block-page server (set by the world)

    @property
    def reassemble(self) -> bool:
        return self._reassemble

    @reassemble.setter
    def reassemble(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"reassemble={value!r}: expected True or False")
        self._reassemble = value

    @property
    def read_records(self) -> str:
        return self._read_records

    @read_records.setter
    def read_records(self, value: str) -> None:
        if value not in ("all", "first"):
            raise ValueError(f"read_records={value!r}: expected 'all' or 'first'")
        self._read_records = value

    @property
    def on_malformed(self) -> str:
        return self._on_malformed

    @on_malformed.setter
    def on_malformed(self, value: str) -> None:
        if value not in ("pass", "drop"):
            raise ValueError(f"on_malformed={value!r}: expected 'pass' or 'drop'")
        self._on_malformed = value

    def __repr__(self) -> str:
        mode = "reassembling" if self.reassemble else "per-packet"
        return f"<CensorEngine {self.name}: {len(self.rules)} rules, {mode}>"

    # -- rules ---------------------------------------------------------------------------
    def add(self, rule: Rule | ResolverRule) -> Rule | ResolverRule:
        """Append a rule (it runs after the rules added before it); returns the rule."""
        if not isinstance(rule, Rule | ResolverRule):
            raise TypeError(
                f"{rule!r} is not a censor rule: expected an object from censorsim.censors, "
                "such as ResetOnSNI(Blocklist([...]))"
            )
        if getattr(rule, "needs_blockpage", False) and not self.blockpage_addresses:
            raise ValueError(
                f"{rule!r} has no address and {self.name!r} has no block-page server: "
                "give the rule an address"
            )
        if getattr(rule, "needs_blockpage", False) and hasattr(rule, "default_addresses"):
            rule.default_addresses = tuple(self.blockpage_addresses)
        self.rules.append(rule)
        self._split()
        return rule

    def remove(self, rule) -> None:
        """Remove a rule; flows it already condemned stay condemned until they end."""
        self.rules.remove(rule)
        self._split()

    def clear(self) -> None:
        """Remove every rule and forget every flow."""
        self.rules.clear()
        self.flows.clear()
        self._split()

    def _split(self) -> None:
        self.packet_rules = [r for r in self.rules if isinstance(r, Rule)]
        self.resolver_rules = [r for r in self.rules if isinstance(r, ResolverRule)]

    # -- the resolver's question -------------------------------------------------------
    def resolver_decision(self, query):
        """The first resolver rule's decision about ``query`` (a ResolverQuery), or None."""
        if self.blockpage_addresses and not query.blockpage:
            query = query.with_blockpage(self.blockpage_addresses)
        for rule in self.resolver_rules:
            try:
                decision = rule.decide(query)
            except ValueError:
                continue  # a name the rule cannot read: it does not match
            if decision is not None:
                self.decisions += 1
                return decision
        return None

    # -- the router's question ---------------------------------------------------------
    def inspect(self, packet: Packet, now: float, direction: str = "out") -> Verdict | None:
        """Decide about one packet crossing the border; None means pass untouched."""
        if not self.packet_rules:
            return None
        flow = self._flow(packet, now)
        remembered = flow.verdict
        if remembered is not None:
            return self._replay(remembered, packet, flow, now)
        if self.reassemble and packet.proto == "tcp" and flow.from_client(packet):
            data = bytes(flow.client_stream) if packet.payload else b""
        else:
            data = packet.payload
        datagrams = ()
        if packet.proto == "udp":
            reassembled = self.reassemble and flow.client_datagrams and flow.from_client(packet)
            datagrams = tuple(flow.client_datagrams) if reassembled else (packet.payload,)
        observation = Observation(packet, direction, flow, data, now, self._read_records, datagrams)
        for rule in self.packet_rules:
            try:
                verdict = rule.inspect(observation)
            except ValueError as exc:
                return Verdict(
                    "malformed",
                    forward=self.on_malformed == "pass",
                    rule=rule.name(),
                    reason=f"could not parse: {exc}",
                )
            if verdict is not None:
                self.decisions += 1
                if verdict.keep:
                    flow.verdict = verdict
                if verdict.action == "throttle":
                    return self._throttle(verdict, packet, flow, now, remembered=False)
                return verdict
        return None

    def _replay(
        self, remembered: Verdict, packet: Packet, flow: Flow, now: float
    ) -> Verdict | None:
        if remembered.action == "throttle":
            return self._throttle(remembered, packet, flow, now, remembered=True)
        if remembered.action == "redirect":  # the flow goes on to where it was sent
            if not flow.from_client(packet):
                return None
            return Verdict(
                "redirect",
                forward=True,
                redirect=remembered.redirect,
                rule=remembered.rule,
                reason=remembered.reason,
                remembered=True,
            )
        return Verdict(
            "drop",
            forward=False,
            rule=remembered.rule,
            reason=f"flow already condemned: {remembered.reason}",
            remembered=True,
        )

    def _throttle(
        self, verdict: Verdict, packet: Packet, flow: Flow, now: float, remembered: bool
    ) -> Verdict:
        # Shaping, not policing: packets queue behind each other at ``rate`` and none is
        # lost. (Russia's 2021 Twitter throttling policed; the delays are what matter here.)
        rate = verdict.rate or 1.0
        direction = flow.from_client(packet)
        free_at = max(now, flow.throttle_free_at.get(direction, now))
        size = len(packet.payload) + 40
        departure = free_at + size * 8 / rate
        flow.throttle_free_at[direction] = departure
        return Verdict(
            "throttle",
            forward=True,
            delay=departure - now,
            rule=verdict.rule,
            reason=verdict.reason,
            rate=rate,
            remembered=remembered,
            keep=True,
        )

    # -- flows ---------------------------------------------------------------------------
    @staticmethod
    def flow_key(packet: Packet) -> tuple:
        """The key of ``packet``'s flow in :attr:`flows` (the same both ways)."""
        ka = (_akey(packet.src), packet.sport)
        kb = (_akey(packet.dst), packet.dport)
        return (packet.proto, *ka, *kb) if ka <= kb else (packet.proto, *kb, *ka)

    def _flow(self, packet: Packet, now: float) -> Flow:
        key = self.flow_key(packet)
        flows = self.flows
        flow = flows.get(key)
        if flow is not None and packet.flags == "S" and flow.client_isn not in (None, packet.seq):
            flow = None  # a new connection reusing the same ports
        if flow is None:
            self._expire(now)
            a = (packet.src, packet.sport)
            b = (packet.dst, packet.dport)
            if packet.proto == "tcp" and "S" in packet.flags and "A" in packet.flags:
                flow = Flow(packet.proto, b, a, now)  # we met the SYN-ACK first
            else:
                flow = Flow(packet.proto, a, b, now)
            flows[key] = flow
        else:
            flows.move_to_end(key)  # the table stays ordered by last activity
        flow.last_seen = now
        flow.packets += 1
        if packet.proto == "tcp":
            self._track(flow, packet)
        elif (
            packet.proto == "udp"
            and packet.dport == 443
            and len(flow.client_datagrams) < _QUIC_DATAGRAMS
            and flow.from_client(packet)
        ):
            flow.client_datagrams.append(packet.payload)  # a ClientHello takes 1 to 3
        return flow

    def _track(self, flow: Flow, packet: Packet) -> None:
        span = len(packet.payload) + ("S" in packet.flags) + ("F" in packet.flags)
        end = (packet.seq + span) % 2**32
        if flow.from_client(packet):
            if "S" in packet.flags:
                flow.client_isn = packet.seq
            if packet.payload:
                if flow.client_isn is None:  # met mid-way: the stream starts here for us
                    flow.client_isn = (packet.seq - 1) % 2**32
                _reassemble(flow, (packet.seq - flow.client_isn - 1) % 2**32, packet.payload)
            flow.client_next_seq = _later(flow.client_next_seq, end)
        else:
            flow.server_next_seq = _later(flow.server_next_seq, end)

    def _expire(self, now: float) -> None:
        flows = self.flows
        while flows:
            key, oldest = next(iter(flows.items()))
            if now - oldest.last_seen <= _FLOW_IDLE:
                return
            del flows[key]


def _reassemble(flow: Flow, offset: int, data: bytes) -> None:
    """Add a client segment at ``offset`` to the flow's in-order stream.

    Retransmissions that overlap what is known add only their new bytes; segments beyond
    a hole wait in ``client_pending`` until the hole is filled. Only the first
    ``_REASSEMBLY_LIMIT`` bytes are kept: a DPI box reads the start of a stream.
    """
    if offset >= 2**31:  # before the start of the stream (a wrapped difference)
        return
    stream = flow.client_stream
    if offset > len(stream):
        if offset < _REASSEMBLY_LIMIT and len(flow.client_pending) < 64:
            flow.client_pending[offset] = data
        return
    new = data[len(stream) - offset :]
    while new and len(stream) < _REASSEMBLY_LIMIT:
        stream += new[: _REASSEMBLY_LIMIT - len(stream)]
        new = b""
        for start in sorted(flow.client_pending):
            if start <= len(stream):
                chunk = flow.client_pending.pop(start)
                if start + len(chunk) > len(stream):
                    new = chunk[len(stream) - start :]
                    break
            else:
                break


def _later(current: int | None, candidate: int) -> int:
    if current is None:
        return candidate
    return candidate if (candidate - current) % 2**32 < 2**31 else current

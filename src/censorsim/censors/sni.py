"""SNI filtering: reading the server name in the TLS ClientHello (lesson 04).

Theory of operation
-------------------
HTTPS encrypts the request, but the first message of TLS, the ClientHello, carries the
name of the site in clear in its server_name extension (SNI), so that a server with many
sites can choose a certificate. A DPI box reads it and decides. South Korea's ISPs moved
to SNI filtering of 895 sites in February 2019 (JoongAng Daily, 13 Feb 2019); China's
firewall uses SNI alongside DNS and IP blocking; Russia used it to throttle Twitter in
March 2021, where the rule ``*t.co*`` also hit ``microsoft.com`` and ``reddit.com``
(Censored Planet, censoredplanet.org/throttling).

Unlike IP blocking, an SNI rule hits one name and spares its neighbours on a shared
address. But it depends on parsing: a per-packet censor misses a ClientHello split across
two TCP segments (neither half parses); a reassembling one does not
(``CensorEngine.reassemble``). Encrypted Client Hello hides the real name behind a shared
outer one, which is why rightsholders turned to IP blocking.

Over QUIC the ClientHello travels in the client's Initial packets, which anyone can
decrypt: these rules read it there too (a reset becomes a drop: UDP has none), unless
made with ``quic=False``, a censor that forgot QUIC. A browser whose QUIC handshake gets
no answer falls back to TCP, where the same rule meets it again.

* :class:`DropOnSNI`: drop the ClientHello and the rest of the flow (``tls:timeout``);
* :class:`ResetOnSNI`: drop it and forge RSTs to both ends (``tls:reset``);
* :class:`ThrottleOnSNI`: let the flow through at a low rate (shaping);
* :class:`CloseOnSNI`: drop it and end the connection with a forged FIN, which the
  client reads as the server closing during the handshake (``tls:eof``; OONI's
  ``eof_error``, ooni/spec df-007).

Encrypted Client Hello takes the real name out of sight, but not the fact that it is
there: the outer hello carries an ``encrypted_client_hello`` extension and names the
CDN's public name. :class:`DropOnECH` and :class:`ResetOnECH` act on that: any hello with
the extension, or (given a list) only those whose outer name is listed. Russia's
censors have dropped connections whose ClientHello carries ECH with Cloudflare's outer
name ``cloudflare-ech.com`` since 5-6 November 2024 (net4people/bbs issue 417; ntc.party
thread 12837; case facts, section 5); China's firewall dropped every hello with the
earlier ESNI extension from 29 July 2020 (gfw.report; case facts, section 5), the same
move against an older design.
"""

from __future__ import annotations

from censorsim.blocklist import Blocklist
from censorsim.censors._base import ListRule, closes, resets
from censorsim.censors.engine import Observation, Rule, Verdict
from censorsim.wire import (
    Incomplete,
    MalformedPacket,
    extract_sni,
    first_record,
    parse_client_hello,
)
from censorsim.wire.quic import extract_quic_sni

__all__ = [
    "DropOnSNI",
    "ResetOnSNI",
    "ThrottleOnSNI",
    "CloseOnSNI",
    "DropOnECH",
    "ResetOnECH",
    "sni_of",
]

_TLS_HANDSHAKE = 0x16


def sni_of(observation: Observation, *, quic: bool = True) -> str | None:
    """The SNI the censor can read in this packet (per packet or reassembled), or None.

    Over QUIC (UDP to port 443) the name is read from the client's Initial packets,
    decrypted as anyone can (:func:`~censorsim.wire.extract_quic_sni`), unless ``quic``
    is False (a censor that reads TCP only). A datagram that is not a client's Initial
    holds no ClientHello for the censor.
    """
    packet = observation.packet
    if not packet.payload or not observation.from_client:
        return None
    if packet.proto == "udp":
        if not quic or packet.dport != 443 or not packet.payload[0] & 0x80:
            return None
        try:
            return extract_quic_sni(*(observation.datagrams or (packet.payload,)))
        except (Incomplete, MalformedPacket):
            return None
    if packet.proto != "tcp":
        return None
    data = observation.data
    if not data or data[0] != _TLS_HANDSHAKE:
        return None  # not the start of a TLS stream (or the second half of a split one)
    if observation.read_records == "first":
        data = first_record(data)
    try:
        return extract_sni(data)
    except Incomplete:
        return None  # the name is not visible yet (in this segment, or so far)


class _SNIRule(ListRule):
    """A rule on the server name of TLS over TCP, and over QUIC unless ``quic=False``."""

    holds = "names"

    def __init__(self, blocklist: Blocklist, *, quic: bool = True):
        super().__init__(blocklist)
        if not isinstance(quic, bool):
            raise TypeError(f"quic={quic!r}: expected True or False")
        self.quic = quic

    def _args(self) -> str:
        return "" if self.quic else ", quic=False"

    def _hit(self, observation: Observation) -> str | None:
        sni = sni_of(observation, quic=self.quic)
        if sni is None:
            return None
        try:
            entry = self.blocklist.match(sni)
        except ValueError as exc:
            raise MalformedPacket(f"SNI {sni!r} is not a host name: {exc}") from None
        return None if entry is None else f"SNI {sni!r} matches {entry!r}"


class DropOnSNI(_SNIRule):
    """Drop a connection whose ClientHello names a listed server.

    Seen in: Iran, from 16 January 2023: some ISPs filtered cdn.sstatic.net by SNI, and
    OONI measured a timeout once the TLS handshake had started (Tor's anti-censorship
    team, gitlab.torproject.org/tpo/anti-censorship/team/-/issues/115). China, since 7
    April 2024, over QUIC: the Great Firewall drops the flow after an Initial naming a
    listed server (Zohaib, Zao et al., USENIX Security 2025,
    github.com/gfw-report/usenixsecurity25-quic-sni).
    """

    def inspect(self, observation: Observation) -> Verdict | None:
        reason = self._hit(observation)
        if reason is None:
            return None
        return Verdict("drop", forward=False, rule=repr(self), reason=reason, keep=True)


class ResetOnSNI(_SNIRule):
    """Reset a connection whose ClientHello names a listed server (RSTs both ways).

    Seen in: China, 2019: the Great Firewall answered a ClientHello naming a listed server
    with forged RSTs, which is how Chai, Ghafari and Houmansadr measured its SNI filtering
    over the Alexa top million ("On the Importance of Encrypted-SNI (ESNI) to Censorship
    Circumvention", FOCI 2019, usenix.org/conference/foci19/presentation/chai).
    """

    def inspect(self, observation: Observation) -> Verdict | None:
        reason = self._hit(observation)
        if reason is None:
            return None
        if observation.packet.proto == "udp":  # UDP has no reset: the Initial is dropped
            reason += " (QUIC: dropped, as UDP has no reset)"
            return Verdict("drop", forward=False, rule=repr(self), reason=reason, keep=True)
        inject = resets(observation.packet, observation.flow)
        return Verdict(
            "reset", forward=False, inject=inject, rule=repr(self), reason=reason, keep=True
        )


class ThrottleOnSNI(_SNIRule):
    """Slow a connection whose ClientHello names a listed server to ``rate`` bits/s.

    Seen in: Russia, from 10 March 2021: Twitter's names (``*t.co*``, ``*.twimg.com``...)
    in the SNI throttled connections to 130-150 kbit/s, by dropping what exceeded the
    rate, alike across ISPs (Xue et al., "Throttling Twitter: an emerging censorship
    technique in Russia", IMC 2021, censoredplanet.org/throttling).
    """

    def __init__(self, blocklist: Blocklist, rate: float = 128_000, *, quic: bool = True):
        super().__init__(blocklist, quic=quic)
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate < 1e12:
            raise ValueError(f"rate={rate!r}: expected a positive number of bits per second")
        self.rate = float(rate)

    def _args(self) -> str:
        return f", rate={self.rate:g}" + super()._args()

    def inspect(self, observation: Observation) -> Verdict | None:
        reason = self._hit(observation)
        if reason is None:
            return None
        return Verdict(
            "throttle", forward=True, rate=self.rate, rule=repr(self), reason=reason, keep=True
        )


class CloseOnSNI(_SNIRule):
    """End a connection whose ClientHello names a listed server with a forged FIN (over
    QUIC, which has no FIN a box can forge, the Initial is dropped).

    Seen in: India, February 2022: in AS133694, downstream of Tata Communications, HTTPS
    connections to blocked hosts ended with an end-of-file during the TLS handshake, the
    failure this rule gives (github.com/kelmenhorst/quic-censorship/issues/2); whether the
    box keyed on the SNI or the address was not isolated. OONI calls it ``eof_error``.
    """

    def inspect(self, observation: Observation) -> Verdict | None:
        reason = self._hit(observation)
        if reason is None:
            return None
        if observation.packet.proto == "udp":
            return Verdict("drop", forward=False, rule=repr(self), reason=reason, keep=True)
        inject = closes(observation.packet, observation.flow)
        return Verdict(
            "close", forward=False, inject=inject, rule=repr(self), reason=reason, keep=True
        )


class _ECHRule(Rule):
    """Triggered by a ClientHello that carries an ``encrypted_client_hello`` extension
    (and, with ``outer``, whose outer server name is listed)."""

    def __init__(self, outer: Blocklist | None = None):
        if outer is not None and not isinstance(outer, Blocklist):
            raise TypeError(
                f"{type(self).__name__}(outer=...) takes a Blocklist of outer names or None, "
                f"got {outer!r}"
            )
        self.outer = outer

    def __repr__(self) -> str:
        return f"{type(self).__name__}({'' if self.outer is None else repr(self.outer)})"

    def _hit(self, observation: Observation) -> str | None:
        packet = observation.packet
        if packet.proto != "tcp" or not packet.payload or not observation.from_client:
            return None
        data = observation.data
        if not data or data[0] != _TLS_HANDSHAKE:
            return None
        if observation.read_records == "first":
            data = first_record(data)
        try:
            hello = parse_client_hello(data)
        except Incomplete:
            return None
        if not hello.ech:
            return None
        if self.outer is not None:
            entry = self.outer.match(hello.sni) if hello.sni else None
            if entry is None:
                return None
            return f"ClientHello carries ECH, outer SNI {hello.sni!r} matches {entry!r}"
        return f"ClientHello carries ECH (outer SNI {hello.sni!r})"


class DropOnECH(_ECHRule):
    """Drop connections whose ClientHello carries ECH (with ``outer``: listed outer names).

    Seen in: Russia, since 5 November 2024: a ClientHello with the outer SNI
    ``cloudflare-ech.com`` and an ECH extension has its connection frozen by dropping,
    not reset, over TCP and QUIC (github.com/net4people/bbs/issues/417). China dropped
    every hello carrying ECH's predecessor, ESNI, from 29 July 2020
    (github.com/net4people/bbs/issues/43).
    """

    def inspect(self, observation: Observation) -> Verdict | None:
        reason = self._hit(observation)
        if reason is None:
            return None
        return Verdict("drop", forward=False, rule=repr(self), reason=reason, keep=True)


class ResetOnECH(_ECHRule):
    """Reset connections whose ClientHello carries ECH (RSTs both ways).

    Seen in: no deployment documented in the course's sources (the ECH and ESNI blocks
    measured so far drop: see :class:`DropOnECH`); modelled because resetting is how the
    Great Firewall answers a listed SNI (:class:`ResetOnSNI`), so a box that resets can
    be pointed at the extension instead, and a measurement must tell the two apart.
    """

    def inspect(self, observation: Observation) -> Verdict | None:
        reason = self._hit(observation)
        if reason is None:
            return None
        inject = resets(observation.packet, observation.flow)
        return Verdict(
            "reset", forward=False, inject=inject, rule=repr(self), reason=reason, keep=True
        )

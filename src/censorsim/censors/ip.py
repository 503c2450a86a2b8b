"""IP blocking: by address and prefix, dropping or resetting (lesson 03).

Theory of operation
-------------------
An IP block matches the addresses in the packet header, which every router reads and
no encryption hides. It is cheap and blunt: it blocks everything that lives on the
address. On a CDN or shared host that is thousands of unrelated sites. Austria's 2022
order to block 11 Cloudflare addresses to stop 14 sites made "thousands of websites"
unreachable (blog.cloudflare.com/consequences-of-ip-blocking, 16 Dec 2022); Spain's
weekend blocks of shared addresses during football matches from February 2025 did the
same at larger scale (see the case facts of lesson 03).

* :class:`DropOnIP` silently drops packets to or from listed addresses. The client's
  SYN is never answered: after its retransmissions it reports ``tcp:timeout``.
* :class:`ResetOnIP` answers a SYN to a listed address with a forged RST, so the client
  reports ``tcp:refused`` at once, exactly as if nothing listened on the port: the client
  cannot tell the two apart. An established connection gets RSTs in both directions.
"""

from __future__ import annotations

from censorsim.censors._base import ListRule, resets
from censorsim.censors.engine import Observation, Verdict
from censorsim.wire import Packet

__all__ = ["DropOnIP", "ResetOnIP"]


class _IPRule(ListRule):
    holds = "addresses"

    def _hit(self, packet: Packet) -> str | None:
        entry = self.blocklist.match(packet.dst)
        if entry is not None:
            return f"destination {packet.dst} matches {entry!r}"
        entry = self.blocklist.match(packet.src)
        if entry is not None:
            return f"source {packet.src} matches {entry!r}"
        return None


class DropOnIP(_IPRule):
    """Drop every packet to or from a listed address or prefix."""

    def inspect(self, observation: Observation) -> Verdict | None:
        reason = self._hit(observation.packet)
        if reason is None:
            return None
        return Verdict("drop", forward=False, rule=repr(self), reason=reason, keep=True)


class ResetOnIP(_IPRule):
    """Reset TCP connections to or from a listed address (and drop its UDP)."""

    def inspect(self, observation: Observation) -> Verdict | None:
        packet = observation.packet
        reason = self._hit(packet)
        if reason is None:
            return None
        if packet.proto != "tcp":
            return Verdict("drop", forward=False, rule=repr(self), reason=reason)
        if "R" in packet.flags:
            return Verdict("drop", forward=False, rule=repr(self), reason=reason)
        if packet.flags == "S":
            rst = packet.reply(flags="RA", seq=0, ack=(packet.seq + 1) % 2**32, window=0)
            return Verdict(
                "reset", forward=False, inject=(rst,), rule=repr(self), reason=reason, keep=True
            )
        return Verdict(
            "reset",
            forward=False,
            inject=resets(packet, observation.flow),
            rule=repr(self),
            reason=reason,
            keep=True,
        )

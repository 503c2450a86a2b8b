"""What every block-list rule shares: a Blocklist, a readable repr, and reset packets."""

from __future__ import annotations

from dataclasses import replace

from censorsim.blocklist import Blocklist
from censorsim.censors.engine import Flow, ResolverRule, Rule
from censorsim.wire import Packet


class _Listed:
    """A rule whose trigger is a :class:`~censorsim.Blocklist` match."""

    #: what the list must hold: "names", "addresses" or None (either)
    holds: str | None = None

    def __init__(self, blocklist: Blocklist):
        if not isinstance(blocklist, Blocklist):
            raise TypeError(
                f"{type(self).__name__} takes a Blocklist as its first argument, got "
                f"{blocklist!r}; write {type(self).__name__}(Blocklist([...], match='exact'))"
            )
        if self.holds == "names" and blocklist.has_addresses() and not blocklist.has_names():
            raise ValueError(
                f"{type(self).__name__} matches names, but {blocklist!r} holds addresses: "
                "an address never appears where this rule looks (use DropOnIP or ResetOnIP)"
            )
        if self.holds == "addresses" and blocklist.has_names() and not blocklist.has_addresses():
            raise ValueError(
                f"{type(self).__name__} matches addresses, but {blocklist!r} holds names: "
                "a name never appears in an IP header (use a rule ...OnQName, ...OnSNI or "
                "...OnHost)"
            )
        self.blocklist = blocklist

    def _args(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.blocklist!r}{self._args()})"


class ListRule(_Listed, Rule):
    """A packet rule triggered by a block-list match."""


class ListResolverRule(_Listed, ResolverRule):
    """A resolver rule triggered by a block-list match on the query name."""

    holds = "names"


def resets(packet: Packet, flow: Flow) -> tuple[Packet, Packet]:
    """Forged RSTs to both ends of ``packet``'s connection, with sequence numbers they accept.

    ``packet`` is being dropped. Its receiver gets a RST that seems to come from the
    sender, numbered where the sender's stream stands (``packet.seq``); its sender gets a
    RST that seems to come from the receiver, numbered where the receiver's stream stands.
    """
    from_client = flow.from_client(packet)
    other_next = flow.server_next_seq if from_client else flow.client_next_seq
    span = len(packet.payload) + ("S" in packet.flags) + ("F" in packet.flags)
    to_sender = packet.reply(
        flags="RA", seq=other_next or 0, ack=(packet.seq + span) % 2**32, window=0
    )
    to_receiver = Packet(
        packet.src,
        packet.dst,
        "tcp",
        packet.sport,
        packet.dport,
        flags="RA",
        seq=packet.seq,
        ack=packet.ack,
        window=0,
    )
    return to_sender, to_receiver


def closes(packet: Packet, flow: Flow) -> tuple[Packet, Packet]:
    """A forged FIN to ``packet``'s sender (the other end seems to close the connection:
    an early end of stream, OONI's ``eof_error``) and a RST to its receiver."""
    to_sender, to_receiver = resets(packet, flow)
    return replace(to_sender, flags="FA", window=65535), to_receiver

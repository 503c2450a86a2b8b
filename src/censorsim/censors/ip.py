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
* :class:`ThrottleOnIP` lets traffic to or from a listed address through at a low rate
  (a traffic shaper keyed on the IP header: it needs no parsing, and slows every site on
  the address, as lesson 04 contrasts with throttling by SNI).
* :class:`DropOnPort` drops every packet to or from a port of one protocol, whatever the
  address: ``DropOnPort([443], proto="udp")`` blocks QUIC (and so HTTP/3) as a whole,
  which browsers answer by falling back to TCP. Russia's TSPU boxes blocked QUIC to many
  foreign services in 2022 (case facts, section 7.1: net4people/bbs, 2022), though with a
  narrower rule than a whole port (QUIC version 1 Initials of 1,001 bytes or more).
* :class:`BlockpageOnIP` sends connections to a listed address to the ISP's block-page
  server instead (destination NAT at the router). Over plain HTTP the user sees the
  notice (HTTP 451); over HTTPS the block-page server cannot show a certificate for the
  site, so the browser stops at a certificate error (``tls:certificate-hostname``). In
  the 2025/26 season Movistar showed an HTTP 451 page for the blocked addresses early on
  match days and switched to dropping (a blackhole) at kick-off (case facts, section 1:
  revistacloud.com and vandal.elespanol.com, Aug 2025).
"""

from __future__ import annotations

from censorsim.censors._base import ListRule, resets
from censorsim.censors.engine import Observation, Rule, Verdict
from censorsim.wire import Packet

__all__ = ["DropOnIP", "ResetOnIP", "BlockpageOnIP", "ThrottleOnIP", "DropOnPort"]


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
    """Drop every packet to or from a listed address or prefix.

    Seen in: Spain, 2025/26 football season: Orange blackholes the addresses on LaLiga's
    lists, and Movistar does from kick-off (Revista Cloud, August 2025,
    revistacloud.com/laliga-arranca-la-temporada-con-polemica-bloqueos-masivos-de-webs-afectan-a-miles-de-usuarios-en-espana).
    China, early 2022: the Great Firewall left TCP handshakes to about a quarter of the
    sites tested unanswered, and QUIC too (github.com/kelmenhorst/quic-censorship/issues/1).
    """

    def inspect(self, observation: Observation) -> Verdict | None:
        reason = self._hit(observation.packet)
        if reason is None:
            return None
        return Verdict("drop", forward=False, rule=repr(self), reason=reason, keep=True)


class ResetOnIP(_IPRule):
    """Reset TCP connections to or from a listed address (and drop its UDP).

    Seen in: Uganda, March 2021: on Airtel Uganda and MTN, connections to blocked hosts
    got a TCP RST in answer to the first SYN ("connection refused"), before any name was
    sent (K. Elmenhorst's HTTP/3 measurements,
    github.com/kelmenhorst/quic-censorship/issues/3).
    """

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


class BlockpageOnIP(_IPRule):
    """Send connections to a listed address to a block-page server (destination NAT).

    Without ``address`` the ISP's own block-page server is used (the world sets it). Only
    packets *to* a listed address are redirected; a listed address of the other IP
    version than the block page's is dropped.

    Seen in: Spain, 2025/26 football season: Movistar answers the addresses on LaLiga's
    lists with an HTTP 451 page early on match days, before blackholing them at kick-off
    (Revista Cloud, August 2025,
    revistacloud.com/laliga-arranca-la-temporada-con-polemica-bloqueos-masivos-de-webs-afectan-a-miles-de-usuarios-en-espana).
    How Movistar sends the traffic to its page is not documented: the NAT is a model.
    """

    def __init__(self, blocklist, address=None):
        super().__init__(blocklist)
        from censorsim.censors.dns import _addresses

        self.addresses = () if address is None else _addresses(address, "block page address")
        self.default_addresses: tuple = ()  # the engine's block-page server, set by add()

    @property
    def needs_blockpage(self) -> bool:
        return not self.addresses

    def _args(self) -> str:
        return f", address={[str(a) for a in self.addresses]}" if self.addresses else ""

    def inspect(self, observation: Observation) -> Verdict | None:
        packet = observation.packet
        entry = self.blocklist.match(packet.dst)
        if entry is None or packet.proto != "tcp":
            return None
        reason = f"destination {packet.dst} matches {entry!r}"
        target = next(
            (a for a in self.addresses or self.default_addresses if a.version == packet.version),
            None,
        )
        if target is None:
            reason += f"; no IPv{packet.version} block page, so dropped"
            return Verdict("drop", forward=False, rule=repr(self), reason=reason, keep=True)
        return Verdict(
            "redirect",
            forward=True,
            redirect=target,
            rule=repr(self),
            reason=f"{reason}: sent to the block page at {target}",
            keep=True,
        )


class ThrottleOnIP(_IPRule):
    """Slow every flow to or from a listed address to ``rate`` bits/s (shaping).

    Seen in: no deployment documented in the course's sources; modelled because OONI's QA
    scenario ``throttlingWithHTTP`` (ooni/probe-cli internal/webconnectivityqa, with
    ooni/netem's ``DPIThrottleTrafficForTCPEndpoint``) builds it, and it is the contrast
    to :class:`ThrottleOnSNI`: Russia's 2021 throttling of Twitter was keyed on the SNI.
    """

    def __init__(self, blocklist, rate: float = 128_000):
        super().__init__(blocklist)
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate < 1e12:
            raise ValueError(f"rate={rate!r}: expected a positive number of bits per second")
        self.rate = float(rate)

    def _args(self) -> str:
        return f", rate={self.rate:g}"

    def inspect(self, observation: Observation) -> Verdict | None:
        reason = self._hit(observation.packet)
        if reason is None:
            return None
        return Verdict(
            "throttle", forward=True, rate=self.rate, rule=repr(self), reason=reason, keep=True
        )


class DropOnPort(Rule):
    """Drop every packet of ``proto`` (``"udp"`` or ``"tcp"``) to or from listed ports.

    Seen in: Russia, reported from 4 March 2022: Yota, MegaFon, MTS, Rnet and Beeline left
    QUIC Initials to foreign servers on UDP port 443 unanswered, while HTTP/3 to Russian
    sites kept working (github.com/net4people/bbs/issues/108). The rule reported there is
    narrower than a port: port 443 plus QUIC version 1 in a datagram of at least 1001
    bytes (mail-archive.com/quic@ietf.org/msg02033.html).
    """

    def __init__(self, ports, proto: str = "udp"):
        if proto not in ("udp", "tcp"):
            raise ValueError(f"proto={proto!r}: expected 'udp' or 'tcp'")
        if isinstance(ports, int) or isinstance(ports, str):
            raise TypeError(f"ports={ports!r}: expected a list of port numbers, such as [443]")
        ports = tuple(ports)
        for port in ports:
            if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
                raise ValueError(f"port {port!r} is not a port number (1 to 65535)")
        if not ports:
            raise ValueError("DropOnPort needs at least one port")
        self.ports = frozenset(ports)
        self.proto = proto

    def __repr__(self) -> str:
        return f"DropOnPort({sorted(self.ports)}, proto={self.proto!r})"

    def inspect(self, observation: Observation) -> Verdict | None:
        packet = observation.packet
        if packet.proto != self.proto:
            return None
        port = packet.dport if packet.dport in self.ports else packet.sport
        if port not in self.ports:
            return None
        reason = f"{self.proto.upper()} port {port} is blocked"
        return Verdict("drop", forward=False, rule=repr(self), reason=reason, keep=True)

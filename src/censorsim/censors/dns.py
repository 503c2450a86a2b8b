"""DNS blocking, in the resolver and on the path (lesson 02).

Theory of operation
-------------------
*Resolver-based blocking* happens inside the ISP's own recursive resolver, the one its
subscribers use by default. When a query name matches the list, the resolver does not
resolve it; what it answers instead differs by ISP. Measured in Italy in 2021 for the
same court order (gutenberg.org): Fastweb and Tiscali answered NXDOMAIN, TIM and Iliad
127.0.0.1, Vodafone the address of its own server, and none told the user why (OONI,
ooni.org/post/2021-italy-blocks-gutenberg-book-publishing-website). Google's public
resolver, ordered to block in France, silently refuses the query. These are the rules:

* :class:`NXDomainOnQName`: "this name does not exist" (with a negative TTL that keeps
  the lie in caches after the block is lifted);
* :class:`RefuseOnQName`: the REFUSED response code;
* :class:`SinkholeOnQName`: an address that goes nowhere useful (127.0.0.1 by default);
* :class:`BlockpageOnQName`: the address of the ISP's block-page server;
* :class:`IgnoreOnQName`: no answer at all, so the client times out.

A subscriber escapes all of them by asking another resolver.

Resolver rules are their own kind (:class:`~censorsim.censors.engine.ResolverRule`):
each builds the answer the resolver gives instead of resolving, as a dnspython message.

*On-path injection* does not need the resolver: a box on the path reads every DNS query
that crosses the border and, when the name matches, sends back a forged answer that
seems to come from the resolver asked (:class:`SpoofDNSOnQName`). Being closer, the
forgery arrives first and the client takes it; the real answer still arrives afterwards
(the query was not stopped). :class:`DropDNSOnQName` drops matching queries instead.
Both work against any resolver reached over plain DNS; neither sees DNS over HTTPS.
"""

from __future__ import annotations

import ipaddress

import dns.flags
import dns.rcode

from censorsim.blocklist import Blocklist
from censorsim.censors._base import ListResolverRule, ListRule
from censorsim.censors.engine import Observation, Verdict
from censorsim.protocols.dns import (
    ResolverDecision,
    ResolverQuery,
    make_answer,
    make_error,
)
from censorsim.wire import Packet, dns_to_wire, parse_dns

__all__ = [
    "NXDomainOnQName",
    "RefuseOnQName",
    "SinkholeOnQName",
    "BlockpageOnQName",
    "IgnoreOnQName",
    "SpoofDNSOnQName",
    "SpoofNXDomainOnQName",
    "DropDNSOnQName",
]


def _addresses(value, what: str) -> tuple:
    items = (
        [value] if isinstance(value, str | ipaddress.IPv4Address | ipaddress.IPv6Address) else value
    )
    out = []
    for item in items:
        try:
            out.append(ipaddress.ip_address(item))
        except ValueError:
            raise ValueError(f"{what} {item!r} is not an IPv4 or IPv6 address") from None
    if not out:
        raise ValueError(f"{what} needs at least one address")
    return tuple(out)


def _check_ttl(ttl: object) -> int:
    if not isinstance(ttl, int) or isinstance(ttl, bool) or not 0 <= ttl < 2**31:
        raise ValueError(f"ttl={ttl!r}: expected a whole number of seconds from 0 to 2**31-1")
    return ttl


class _ResolverRule(ListResolverRule):
    action = ""

    def __init__(self, blocklist: Blocklist, *, ttl: int = 300):
        super().__init__(blocklist)
        self.ttl = _check_ttl(ttl)

    def decide(self, query: ResolverQuery) -> ResolverDecision | None:
        """The resolver's answer instead of resolving the query, or None to resolve it."""
        entry = self.blocklist.match(query.name)
        if entry is None:
            return None
        verdict = Verdict(
            "resolver-" + self.action,
            forward=self.action != "silence",
            rule=repr(self),
            reason=f"query name {query.name!r} matches {entry!r}",
        )
        return ResolverDecision(self.answer(query), verdict)

    def answer(self, query: ResolverQuery):  # pragma: no cover
        raise NotImplementedError


class NXDomainOnQName(_ResolverRule):
    """The ISP's resolver answers NXDOMAIN ("no such name") for listed names.

    ``ttl`` is the negative-caching time put in the answer's SOA record.

    Seen in: Italy, September 2021, under a court order against gutenberg.org: the
    resolvers of Fastweb and Tiscali answered NXDOMAIN, and told the user nothing (OONI,
    ooni.org/post/2021-italy-blocks-gutenberg-book-publishing-website).
    """

    action = "nxdomain"

    def answer(self, query: ResolverQuery):
        return make_answer(query.message, dns.rcode.NXDOMAIN, negative_ttl=self.ttl)


class RefuseOnQName(_ResolverRule):
    """The ISP's resolver answers with the REFUSED response code for listed names.

    Seen in: Google Public DNS, which answers REFUSED (optionally with Extended DNS Error
    16, Censored) for names blocked under court or government orders; the page's version
    of 24 September 2025 lists Belgium, France, Italy and Portugal
    (developers.google.com/speed/public-dns/blocking).
    """

    action = "refused"

    def answer(self, query: ResolverQuery):
        return make_error(query.message, dns.rcode.REFUSED)


class IgnoreOnQName(_ResolverRule):
    """The ISP's resolver never answers queries for listed names (the client times out).

    Seen in: no deployment documented in the course's sources; modelled because resolver
    policy software offers it: the RPZ action ``rpz-drop`` (PowerDNS's example zone,
    PowerDNS/pdns ``pdns/basic.rpz``) and Unbound's ``rpz-action-override: drop``
    (``unbound.conf(5)``) discard the query, and OONI records the wait as
    ``generic_timeout_error`` (ooni/spec df-007).
    """

    action = "silence"

    def answer(self, query: ResolverQuery):
        return None


class SinkholeOnQName(_ResolverRule):
    """The ISP's resolver answers listed names with a sinkhole address (127.0.0.1, ::1).

    Seen in: Italy, September 2021 (gutenberg.org): the resolvers of TIM and Iliad answered
    127.0.0.1, and told the user nothing (OONI,
    ooni.org/post/2021-italy-blocks-gutenberg-book-publishing-website).
    """

    action = "address"

    def __init__(self, blocklist: Blocklist, address=("127.0.0.1", "::1"), *, ttl: int = 300):
        super().__init__(blocklist, ttl=ttl)
        self.addresses = _addresses(address, "sinkhole address")

    def _args(self) -> str:
        return f", address={[str(a) for a in self.addresses]}"

    def answer(self, query: ResolverQuery):
        return make_answer(
            query.message, dns.rcode.NOERROR, self.addresses, self.ttl, negative_ttl=self.ttl
        )


class BlockpageOnQName(_ResolverRule):
    """The ISP's resolver answers listed names with the address of a block-page server.

    Without ``address`` the ISP's own block-page server is used (the world sets it).

    Seen in: Turkey, 20-21 March 2014: the ISPs' resolvers sent twitter.com to a page of
    the regulator TIB citing court orders, and users switched to 8.8.8.8 (Search Engine
    Watch, quoting the Guardian, searchenginewatch.com/sew/news/2335717, March 2014).
    """

    action = "address"

    def __init__(self, blocklist: Blocklist, address=None, *, ttl: int = 300):
        super().__init__(blocklist, ttl=ttl)
        self.addresses = () if address is None else _addresses(address, "block page address")

    @property
    def needs_blockpage(self) -> bool:
        return not self.addresses

    def _args(self) -> str:
        return f", address={[str(a) for a in self.addresses]}" if self.addresses else ""

    def answer(self, query: ResolverQuery):
        addresses = self.addresses or query.blockpage
        return make_answer(
            query.message, dns.rcode.NOERROR, addresses, self.ttl, negative_ttl=self.ttl
        )


def _listed_query(packet: Packet, blocklist: Blocklist):
    """``(query, name, entry)`` when ``packet`` is a DNS query for a listed name, else None.

    Bytes to port 53 that are not DNS raise MalformedPacket (the engine's on_malformed).
    """
    if packet.proto != "udp" or packet.dport != 53:
        return None
    query = parse_dns(packet.payload)
    if query.flags & dns.flags.QR or len(query.question) != 1:
        return None
    qname = query.question[0].name.to_text(omit_final_dot=True)
    entry = blocklist.match(qname)
    return None if entry is None else (query, qname, entry)


class SpoofDNSOnQName(ListRule):
    """On the path: answer matching DNS queries with a forged address, first.

    The forged answer copies the query's ID and question and seems to come from the
    resolver asked. The query itself goes on, so the real answer arrives too, later.
    The default address, 10.10.34.34, is the one Iran's censorship injected (OONI, 2017).

    Seen in: China: the Great Firewall reads the DNS queries crossing the border and
    injects forged answers for listed names, whatever resolver was asked; nine months of
    it are measured in Anonymous, Akhavan Niaki et al., "Triplet Censors: Demystifying
    Great Firewall's DNS Censorship Behavior", FOCI 2020
    (gfw.report/publications/foci20_dns/en).
    """

    holds = "names"

    def __init__(self, blocklist: Blocklist, address="10.10.34.34", *, ttl: int = 60):
        super().__init__(blocklist)
        self.addresses = _addresses(address, "forged address")
        self.ttl = _check_ttl(ttl)

    def _args(self) -> str:
        return f", address={[str(a) for a in self.addresses]}"

    def inspect(self, observation: Observation) -> Verdict | None:
        packet = observation.packet
        hit = _listed_query(packet, self.blocklist)
        if hit is None:
            return None
        query, qname, entry = hit
        forged = make_answer(query, dns.rcode.NOERROR, self.addresses, self.ttl)
        if not forged.answer:  # asked for a type we have no forged address of: NXDOMAIN
            forged = make_answer(query, dns.rcode.NXDOMAIN, negative_ttl=self.ttl)
        reply = packet.reply(payload=dns_to_wire(forged))
        return Verdict(
            "spoof",
            forward=True,
            inject=(reply,),
            rule=repr(self),
            reason=f"query name {qname!r} matches {entry!r}: forged answer sent first",
        )


class SpoofNXDomainOnQName(ListRule):
    """On the path: answer matching DNS queries with a forged NXDOMAIN, first.

    The same race as :class:`SpoofDNSOnQName`, but the lie is "no such name" (with an SOA
    whose minimum, ``ttl``, keeps it in caches). The real answer still arrives later.

    Seen in: no deployment documented in the course's sources; modelled because "Triplet
    Censors" (FOCI 2020, gfw.report/publications/foci20_dns/en) says countries other than
    China "tend to use NXDOMAIN or reserved IP address space" in injected answers (no case
    is named in the course), and it is the on-path twin of :class:`NXDomainOnQName`.
    """

    holds = "names"

    def __init__(self, blocklist: Blocklist, *, ttl: int = 60):
        super().__init__(blocklist)
        self.ttl = _check_ttl(ttl)

    def inspect(self, observation: Observation) -> Verdict | None:
        packet = observation.packet
        hit = _listed_query(packet, self.blocklist)
        if hit is None:
            return None
        query, qname, entry = hit
        forged = make_answer(query, dns.rcode.NXDOMAIN, negative_ttl=self.ttl)
        return Verdict(
            "spoof",
            forward=True,
            inject=(packet.reply(payload=dns_to_wire(forged)),),
            rule=repr(self),
            reason=f"query name {qname!r} matches {entry!r}: forged NXDOMAIN sent first",
        )


class DropDNSOnQName(ListRule):
    """On the path: drop DNS queries whose name matches (the client times out).

    Seen in: no deployment documented in the course's sources; modelled because it is the
    silent variant of :class:`SpoofDNSOnQName`'s on-path box: a client asking a foreign
    resolver gets no answer (OONI: ``generic_timeout_error``, ooni/spec df-007), and an ISP
    resolver that asks upstream through the box answers SERVFAIL.
    """

    holds = "names"

    def inspect(self, observation: Observation) -> Verdict | None:
        hit = _listed_query(observation.packet, self.blocklist)
        if hit is None:
            return None
        _, qname, entry = hit
        return Verdict(
            "drop", forward=False, rule=repr(self), reason=f"query name {qname!r} matches {entry!r}"
        )

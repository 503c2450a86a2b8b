"""DNS in the simulated world: authoritative data, caching resolvers, stub lookups (lesson 02).

Theory of operation
-------------------
Names resolve the way they do on the internet, with fewer servers:

* :class:`Zone` holds the authoritative data of the whole world (A and AAAA records with
  their TTLs), served by one authoritative server host.
* :class:`RecursiveResolver` runs on a host (the ISP's resolver, a public resolver). It
  answers from its cache while a record's TTL lasts, and otherwise asks the authoritative
  server over UDP, with its own query ID and source port. Negative answers (NXDOMAIN) are
  cached for the SOA minimum, as RFC 2308 says.
* A resolver may have a *policy*: the ISP's censor engine, asked about every query before
  the cache. This is resolver-based blocking (response policy zones): the resolver itself
  answers NXDOMAIN, REFUSED, a sinkhole address, the block page's address, or nothing.
* :func:`udp_lookup` is a client's stub resolver: it sends a query, takes the first
  answer whose ID and question match and that comes from the server's address, and
  retries after a timeout. A forged answer injected on the path has all three, which is
  why injection works; the real answer still arrives afterwards and is ignored, unless the
  client waits to see it (``wait``).

Every message is dnspython wire format; nothing here opens a real socket.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.SOA
import dns.rdtypes.IN.A
import dns.rdtypes.IN.AAAA
import dns.rrset

from censorsim.core.clock import Event, first_of
from censorsim.core.net import Host, Verdict
from censorsim.names import normalize_name
from censorsim.protocols.http import Request
from censorsim.wire import IPAddress, MalformedPacket, Packet, dns_to_wire, parse_dns

__all__ = [
    "Zone",
    "AuthoritativeServer",
    "RecursiveResolver",
    "ResolverQuery",
    "ResolverDecision",
    "DNSLookup",
    "DNSCache",
    "udp_lookup",
    "make_answer",
    "make_error",
    "doh_handler",
    "failure_for_rcode",
    "SERVED_TYPES",
]

A, AAAA, HTTPS = dns.rdatatype.A, dns.rdatatype.AAAA, dns.rdatatype.HTTPS
#: The record types the simulated DNS serves: addresses, and HTTPS service records
#: (RFC 9460: which protocols a site speaks, and its ECH configuration)
SERVED_TYPES = (A, AAAA, HTTPS)


@dataclass(frozen=True)
class ResolverQuery:
    """A question as a resolver's policy sees it: the query message, its name (normalised
    text, no final dot) and type, and the addresses of the operator's block-page server."""

    message: dns.message.Message
    name: str
    rdtype: int
    blockpage: tuple[IPAddress, ...] = ()

    def with_blockpage(self, addresses: tuple[IPAddress, ...]) -> ResolverQuery:
        return ResolverQuery(self.message, self.name, self.rdtype, tuple(addresses))


@dataclass(frozen=True)
class ResolverDecision:
    """What a resolver's policy does instead of resolving (resolver-based blocking):
    answer with ``answer`` (a DNS message the policy built), or, when it is None, stay
    silent. ``verdict`` says which rule decided and why (shown in traces)."""

    answer: dns.message.Message | None
    verdict: Verdict


class Zone:
    """The authoritative DNS data of a world: names to A/AAAA records with TTLs, and
    HTTPS service records (RFC 9460) for sites that publish them."""

    def __init__(self, negative_ttl: int = 300):
        self.negative_ttl = negative_ttl
        self._records: dict[str, dict[int, tuple[int, tuple[IPAddress, ...]]]] = {}

    def __repr__(self) -> str:
        return f"<Zone: {len(self._records)} names, negative TTL {self.negative_ttl} s>"

    def add(self, name: str, addresses: Iterable[str | IPAddress], ttl: int = 300) -> None:
        """Publish ``name`` with these addresses (A for IPv4, AAAA for IPv6).

        The given addresses replace the name's records of the same type (how a CDN
        rotates addresses); a type not given keeps its records.
        """
        name = normalize_name(name)
        if not isinstance(ttl, int) or not 0 <= ttl < 2**31:
            raise ValueError(f"TTL {ttl!r} is not a number of seconds from 0 to 2**31-1")
        addrs = tuple(ipaddress.ip_address(a) for a in addresses)
        if not addrs:
            raise ValueError(f"name {name!r} needs at least one address")
        entry = self._records.setdefault(name, {})
        for rdtype, version in ((A, 4), (AAAA, 6)):
            chosen = tuple(a for a in addrs if a.version == version)
            if chosen:
                entry[rdtype] = (ttl, chosen)

    def add_https(
        self,
        name: str,
        *,
        alpn: tuple[str, ...] = ("h2", "http/1.1"),
        ech: bytes | None = None,
        ttl: int = 300,
    ) -> None:
        """Publish an HTTPS record for ``name`` (RFC 9460, in ServiceMode at the name
        itself): the protocols it speaks (``alpn``; ``"h3"`` says HTTP/3 over QUIC) and,
        with ``ech``, its ECHConfigList, which clients need to encrypt their ClientHello."""
        import base64

        name = normalize_name(name)
        if not isinstance(ttl, int) or not 0 <= ttl < 2**31:
            raise ValueError(f"TTL {ttl!r} is not a number of seconds from 0 to 2**31-1")
        if not alpn or isinstance(alpn, str):
            raise ValueError(f"alpn={alpn!r}: expected a tuple of protocol names such as ('h2',)")
        text = f'1 . alpn="{",".join(alpn)}"'
        if ech is not None:
            text += f' ech="{base64.b64encode(ech).decode()}"'
        try:
            record = dns.rdata.from_text(dns.rdataclass.IN, HTTPS, text)
        except dns.exception.DNSException as exc:
            raise ValueError(f"HTTPS record for {name!r}: {exc}") from None
        self._records.setdefault(name, {})[HTTPS] = (ttl, (record,))

    def remove(self, name: str) -> None:
        self._records.pop(normalize_name(name), None)

    def names(self) -> list[str]:
        return sorted(self._records)

    def addresses(self, name: str) -> tuple[IPAddress, ...]:
        """All A and AAAA addresses of ``name`` (empty when the name does not exist)."""
        entry = self._records.get(normalize_name(name), {})
        return tuple(a for t in (A, AAAA) if t in entry for a in entry[t][1])

    def https(self, name: str):
        """The HTTPS record of ``name`` (a dnspython rdata), or None."""
        entry = self._records.get(normalize_name(name), {})
        return entry[HTTPS][1][0] if HTTPS in entry else None

    def ttl(self, name: str, rdtype: int = A) -> int | None:
        entry = self._records.get(normalize_name(name), {})
        return entry[rdtype][0] if rdtype in entry else None

    def lookup(self, name: str, rdtype: int) -> tuple[int, int, tuple]:
        """``(rcode, ttl, records)`` for a question, as an authoritative server answers
        (records: addresses for A and AAAA, dnspython rdata for HTTPS)."""
        entry = self._records.get(name)
        if entry is None:
            return dns.rcode.NXDOMAIN, self.negative_ttl, ()
        if rdtype not in entry:
            return dns.rcode.NOERROR, self.negative_ttl, ()
        ttl, addrs = entry[rdtype]
        return dns.rcode.NOERROR, ttl, addrs


@functools.lru_cache(maxsize=4096)
def _rdata(address: IPAddress):
    """The A or AAAA rdata of an address (cached: building rdata from text is slow)."""
    if address.version == 4:
        return dns.rdtypes.IN.A.A(dns.rdataclass.IN, A, str(address))
    return dns.rdtypes.IN.AAAA.AAAA(dns.rdataclass.IN, AAAA, str(address))


def _soa(qname: dns.name.Name, minimum: int) -> dns.rrset.RRset:
    """The SOA record of the zone a name is in (the world's zones are its top-level
    domains: ``example.`` holds ``bakery.example``), for negative answers (RFC 2308)."""
    labels = qname.labels
    apex = dns.name.Name(labels[-2:]) if len(labels) >= 2 else dns.name.root
    soa = dns.rdtypes.ANY.SOA.SOA(
        dns.rdataclass.IN,
        dns.rdatatype.SOA,
        dns.name.Name((b"ns", *apex.labels)),
        dns.name.Name((b"hostmaster", *apex.labels)),
        1,
        7200,
        900,
        1209600,
        minimum,
    )
    return dns.rrset.from_rdata_list(apex, minimum, [soa])


def _record_rdata(record, rdtype: int):
    """The rdata for ``record`` (an address or an rdata) if it is of type ``rdtype``."""
    if isinstance(record, ipaddress.IPv4Address | ipaddress.IPv6Address):
        if (record.version == 4 and rdtype == A) or (record.version == 6 and rdtype == AAAA):
            return _rdata(record)
        return None
    return record if getattr(record, "rdtype", None) == rdtype else None


def make_answer(
    query: dns.message.Message,
    rcode: int,
    addresses: Iterable = (),
    ttl: int = 300,
    *,
    authoritative: bool = False,
    negative_ttl: int = 300,
) -> dns.message.Message:
    """A response to ``query``: the records of the asked type (addresses, or rdata for
    other types), or an error with an SOA."""
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA if authoritative else dns.flags.RA
    response.set_rcode(rcode)
    q = query.question[0]
    rdtype = q.rdtype
    chosen = [r for r in (_record_rdata(a, rdtype) for a in addresses) if r is not None]
    if rcode == dns.rcode.NOERROR and chosen:
        response.answer.append(dns.rrset.from_rdata_list(q.name, ttl, chosen))
    elif rcode in (dns.rcode.NXDOMAIN, dns.rcode.NOERROR):
        response.authority.append(_soa(q.name, negative_ttl))
    return response


def _question(message: dns.message.Message) -> tuple[str, int] | None:
    if len(message.question) != 1:
        return None
    q = message.question[0]
    if q.rdclass != dns.rdataclass.IN:
        return None
    # the root name is "." (without its final dot it would be empty)
    return q.name.to_text(omit_final_dot=True).lower() or ".", q.rdtype


class _DNSService:
    """A DNS server on UDP port 53 of a host: bytes that are not DNS get no answer."""

    service = "DNS"

    def __init__(self, host: Host):
        self.host = host
        host.bind_udp(53, self._on_packet)
        host.services.append(self.service)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} on {self.host.name} {self.host.address}>"

    def _on_packet(self, packet: Packet) -> None:
        try:
            query = parse_dns(packet.payload)
        except MalformedPacket:
            return
        self._on_query(query, packet)

    def _on_query(self, query: dns.message.Message, packet: Packet) -> None:  # pragma: no cover
        raise NotImplementedError


class AuthoritativeServer(_DNSService):
    """Answers from a :class:`Zone` on UDP port 53 of a host (RD is ignored, AA is set)."""

    service = "authoritative DNS"

    def __init__(self, host: Host, zone: Zone):
        self.zone = zone
        super().__init__(host)

    def _on_query(self, query: dns.message.Message, packet: Packet) -> None:
        host = self.host
        question = _question(query)
        if question is None or query.flags & dns.flags.QR:
            return
        name, rdtype = question
        rcode, ttl, addrs = self.zone.lookup(name, rdtype)
        response = make_answer(
            query, rcode, addrs, ttl, authoritative=True, negative_ttl=self.zone.negative_ttl
        )
        host.send(packet.reply(payload=dns_to_wire(response), ident=host.next_ident()))


@dataclass
class _CacheEntry:
    expires: float
    rcode: int
    addresses: tuple[IPAddress, ...]
    ttl: int


class DNSCache:
    """A TTL-honouring cache of answers, positive and negative (RFC 2308), in virtual time."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, int], _CacheEntry] = {}

    def get(self, name: str, rdtype: int, now: float) -> tuple[int, tuple, int] | None:
        entry = self._entries.get((name, rdtype))
        if entry is None:
            return None
        if entry.expires <= now:
            del self._entries[(name, rdtype)]
            return None
        return entry.rcode, entry.addresses, max(0, int(entry.expires - now))

    def put(
        self, name: str, rdtype: int, now: float, rcode: int, addresses: tuple, ttl: int
    ) -> None:
        if ttl > 0:
            self._entries[(name, rdtype)] = _CacheEntry(now + ttl, rcode, addresses, ttl)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def _answer_ttl(message: dns.message.Message, rdtype: int) -> tuple[int, tuple, int]:
    """``(rcode, addresses, ttl)`` read from a response, negative TTL from its SOA."""
    rcode = message.rcode()
    addrs: list[IPAddress] = []
    ttl = None
    for rrset in message.answer:
        # only Internet-class records of the type asked for count: anything else in an
        # answer (another class, a type we did not ask) is ignored, as stub resolvers do
        if rrset.rdtype == rdtype and rrset.rdclass == dns.rdataclass.IN:
            ttl = rrset.ttl if ttl is None else min(ttl, rrset.ttl)
            if rdtype in (A, AAAA):
                addrs.extend(ipaddress.ip_address(rd.address) for rd in rrset)
            else:
                addrs.extend(rrset)
    if ttl is None:
        ttl = 0
        for rrset in message.authority:
            if rrset.rdtype == dns.rdatatype.SOA and rrset.rdclass == dns.rdataclass.IN:
                ttl = min(rrset.ttl, rrset[0].minimum)
    return rcode, tuple(addrs), ttl


class RecursiveResolver(_DNSService):
    """A caching recursive resolver on a host: UDP port 53, and a ``handle`` for DoH."""

    service = "recursive DNS"

    UPSTREAM_TIMEOUT = 2.0
    UPSTREAM_ATTEMPTS = 2

    def __init__(
        self,
        host: Host,
        upstream: IPAddress,
        policy: Callable[[ResolverQuery], ResolverDecision | None] | None = None,
    ):
        self.upstream = upstream
        self.policy = policy
        self.cache = DNSCache()
        self._pending: dict[tuple[str, int], list[tuple[dns.message.Message, Callable]]] = {}
        super().__init__(host)

    def _on_query(self, query: dns.message.Message, packet: Packet) -> None:
        host = self.host

        def respond(message: dns.message.Message, verdict=None) -> None:
            host.send(packet.reply(payload=dns_to_wire(message), ident=host.next_ident()), verdict)

        self.handle(query, respond, packet)

    def handle(
        self,
        query: dns.message.Message,
        respond: Callable[..., None],
        packet: Packet | None = None,
    ) -> None:
        """Answer ``query`` by calling ``respond(message[, verdict])``, now or later."""
        question = _question(query)
        if question is None or query.flags & dns.flags.QR:
            respond(make_error(query, dns.rcode.FORMERR))
            return
        name, rdtype = question
        if self.policy is not None:
            decision = self.policy(ResolverQuery(query, name, rdtype))
            if decision is not None:
                if decision.answer is None:
                    if packet is not None:
                        self.host.note_drop(packet, decision.verdict, "no answer")
                else:
                    respond(decision.answer, decision.verdict)
                return
        now = self.host.internet.now
        cached = self.cache.get(name, rdtype, now)
        if cached is not None:
            rcode, addrs, ttl = cached
            respond(make_answer(query, rcode, addrs, ttl, negative_ttl=ttl))
            return
        waiting = self._pending.setdefault((name, rdtype), [])
        waiting.append((query, respond))
        if len(waiting) == 1:
            self.host.internet.loop.process(self._resolve(name, rdtype))

    def _resolve(self, name: str, rdtype: int) -> Generator[Event, object, None]:
        internet = self.host.internet
        result = None
        for _ in range(self.UPSTREAM_ATTEMPTS):
            lookup = yield from udp_lookup(
                self.host,
                self.upstream,
                name,
                rdtype,
                timeout=self.UPSTREAM_TIMEOUT,
                attempts=1,
                recursion_desired=False,
            )
            if lookup.message is not None:
                result = lookup
                break
        waiting = self._pending.pop((name, rdtype), [])
        now = internet.now
        if result is None:
            for query, respond in waiting:
                respond(make_error(query, dns.rcode.SERVFAIL))
            return
        rcode, addrs, ttl = _answer_ttl(result.message, rdtype)
        self.cache.put(name, rdtype, now, rcode, addrs, ttl)
        for query, respond in waiting:
            respond(make_answer(query, rcode, addrs, ttl, negative_ttl=ttl))


def make_error(query: dns.message.Message, rcode: int) -> dns.message.Message:
    response = dns.message.make_response(query)
    response.flags |= dns.flags.RA
    response.set_rcode(rcode)
    return response


@dataclass(frozen=True)
class DNSLookup:
    """The outcome of one name lookup as a client saw it (lesson 02).

    ``rcode`` is ``"NOERROR"``, ``"NXDOMAIN"``, ``"REFUSED"``, ``"SERVFAIL"``... or None
    when no answer came; ``failure`` is None or a ``dns:`` failure of ``cs.FAILURES``;
    ``addresses`` holds the addresses of an A or AAAA question (for an HTTPS question, the
    HTTPS records, as dnspython rdata); ``late`` lists answers that arrived after the first
    one (only collected when the lookup was asked to ``wait``).
    """

    name: str
    rdtype: str
    server: str
    rcode: str | None
    addresses: tuple[IPAddress, ...]
    ttl: int | None
    failure: str | None
    cached: bool = False
    late: tuple[tuple[IPAddress, ...], ...] = ()
    detail: str = ""
    message: dns.message.Message | None = field(default=None, repr=False, compare=False)
    trace: object = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.failure is None


#: The ``dns:`` failure for each response code, as OONI keeps them apart.
_RCODE_FAILURES = {
    dns.rcode.NXDOMAIN: "dns:nxdomain",  # the name does not exist (RFC 1035, 2308)
    dns.rcode.REFUSED: "dns:refused",  # the server will not answer (policy)
    dns.rcode.SERVFAIL: "dns:servfail",  # the server could not (its upstream failed)
}


def failure_for_rcode(rcode: int, addresses: tuple) -> str | None:
    """The ``dns:`` failure a client reports for a response code (None when it resolved).

    NOERROR without an address of the type asked is NODATA (RFC 2308): ``dns:no-answer``,
    not NXDOMAIN (the name exists). Any other code (FORMERR, NOTIMP...) is an answer the
    client cannot use: ``dns:bad-answer``.
    """
    if rcode == dns.rcode.NOERROR:
        return None if addresses else "dns:no-answer"
    return _RCODE_FAILURES.get(rcode, "dns:bad-answer")


def udp_lookup(
    host: Host,
    server: IPAddress,
    name: str,
    rdtype: int = A,
    *,
    timeout: float = 5.0,
    attempts: int = 2,
    wait: float = 0.0,
    recursion_desired: bool = True,
) -> Generator[Event, object, DNSLookup]:
    """Ask ``server`` over UDP from ``host``; a process step (use with ``yield from``).

    Accepts the first response with the query's ID and question coming from ``server``;
    retries after ``timeout`` up to ``attempts`` times. With ``wait`` > 0, keeps listening
    that long after the first answer and reports later answers in ``late``.
    """
    loop = host.internet.loop
    rng = host.internet.rng("dns")
    query = dns.message.make_query(name, rdtype, id=rng.getrandbits(16))
    if not recursion_desired:
        query.flags &= ~dns.flags.RD
    wire = query.to_wire()
    qname = query.question[0].name
    port = host.ephemeral_port()
    local = host.address_for(server)
    answers: list[tuple[dns.message.Message, Packet]] = []
    arrived = Event(loop)

    def on_packet(packet: Packet) -> None:
        if packet.src != server or packet.sport != 53:
            return
        try:
            message = parse_dns(packet.payload)
        except MalformedPacket:
            return
        if message.id != query.id or not message.flags & dns.flags.QR:
            return
        if len(message.question) != 1 or message.question[0].name != qname:
            return
        answers.append((message, packet))
        arrived.succeed()

    host.bind_udp(port, on_packet)
    try:
        for _ in range(attempts):
            host.send(Packet(local, server, "udp", port, 53, wire, ident=host.next_ident()))
            timer = loop.timeout(timeout)
            which, _ = yield first_of(loop, arrived, timer)
            timer.cancel()
            if which == 0:
                break
        if answers and wait > 0:
            yield loop.timeout(wait)
    finally:
        host.unbind_udp(port)
    server_text = str(server)
    rdtext = dns.rdatatype.to_text(rdtype)
    if not answers:
        return DNSLookup(name, rdtext, server_text, None, (), None, "dns:timeout")
    message = answers[0][0]
    rcode, addrs, ttl = _answer_ttl(message, rdtype)
    late = tuple(_answer_ttl(m, rdtype)[1] for m, _ in answers[1:])
    return DNSLookup(
        name,
        rdtext,
        server_text,
        dns.rcode.to_text(rcode),
        addrs,
        ttl,
        failure_for_rcode(rcode, addrs),
        late=late,
        message=message,
    )


def doh_handler(resolver: RecursiveResolver):
    """A ``/dns-query`` handler for a web server (RFC 8484, POST) answering with ``resolver``."""

    def handle(request: Request, reply) -> None:
        if request.method != "POST":
            reply(405, b"use POST with application/dns-message\n", {})
            return
        if request.header("content-type") != "application/dns-message":
            reply(415, b"expected Content-Type: application/dns-message\n", {})
            return
        try:
            query = parse_dns(request.body)
        except MalformedPacket:
            reply(400, b"the body is not a DNS message\n", {})
            return

        def respond(message, verdict=None) -> None:
            reply(200, dns_to_wire(message), {"Content-Type": "application/dns-message"})

        resolver.handle(query, respond)

    return handle

"""Property-based fuzzing of the wire parsers and the censor engine.

Seeds are real bytes: ClientHellos written by Python's ssl (OpenSSL) through censorsim's
CA, and the public golden vectors of ``test_golden.py`` (RFC 8448, the Illustrated TLS
connections, browser and curl captures, captured DNS messages and IP packets). Hypothesis
mutates them (bit flips, boundary values in length fields, insertions, deletions,
truncations) and re-frames them (random splits into TLS records and TCP segments).

The contracts under test:

* ``extract_sni`` returns ``str`` or ``None`` or raises exactly ``Incomplete`` or
  ``MalformedPacket``; on a prefix of a valid ClientHello it raises ``Incomplete`` until the
  name has been read, then returns the name.
* ``extract_host``: ``str``/``None``, or exactly ``Incomplete``/``MalformedPacket``.
* ``parse_dns``: a ``dns.message.Message``, or exactly ``MalformedPacket``.
* ``Packet.from_bytes``: a ``Packet``, or exactly ``MalformedPacket``.
* ``CensorEngine.inspect`` never raises, returns ``None`` or a ``Verdict``, and answers what
  a rule cannot parse with ``Verdict("malformed", forward=(on_malformed == "pass"))``.

Run with ``HYPOTHESIS_PROFILE=fuzz`` for 20000 examples per test (see conftest.py).
"""

from __future__ import annotations

import ipaddress
import random
import ssl

import dns.flags
import dns.message
import dns.rdatatype
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_golden import CLIENT_HELLOS, DNS_MESSAGES, IP_PACKETS

from censorsim import Blocklist, Packet
from censorsim.censors import (
    BlockpageOnHost,
    CensorEngine,
    DropDNSOnQName,
    DropOnIP,
    DropOnSNI,
    ResetOnIP,
    ResetOnSNI,
    SpoofDNSOnQName,
    ThrottleOnSNI,
    Verdict,
)
from censorsim.protocols.tls import CertificateAuthority, TLSClientSession
from censorsim.wire import (
    TCP_FLAGS,
    Incomplete,
    MalformedPacket,
    dns_query,
    extract_host,
    extract_sni,
    parse_dns,
)

# -- real seeds ---------------------------------------------------------------------------
_CA = CertificateAuthority(0)
HELLO13 = TLSClientSession(_CA.client_context(), "bakery.example", random.Random(1)).start()
HELLO12 = TLSClientSession(
    _CA.client_context(maximum_version=ssl.TLSVersion.TLSv1_2), "bakery.example", random.Random(2)
).start()
NOSNI = TLSClientSession(_CA.client_context(), None, random.Random(3)).start()

# (ClientHello records, the server name in them or None)
HELLO_SEEDS: list[tuple[bytes, str | None]] = [
    (HELLO13, "bakery.example"),
    (HELLO12, "bakery.example"),
    (NOSNI, None),
    *CLIENT_HELLOS,
]
NAMED_HELLOS = [(data, name) for data, name in HELLO_SEEDS if name is not None]

DNS_SEEDS: list[bytes] = [
    *DNS_MESSAGES,
    dns_query("bakery.example", "A", id=1),
    dns_query("www.bakery.example", "AAAA", id=2),
    dns_query("news.example", "TXT", id=3, recursion_desired=False),
]

HTTP_SEEDS: list[bytes] = [
    b"GET / HTTP/1.1\r\nHost: bakery.example\r\nUser-Agent: censorsim\r\n\r\n",
    b"HEAD /x HTTP/1.0\r\nhost: [2001:db8::1]:8080\r\n\r\n",
    b"POST /form HTTP/1.1\r\nContent-Length: 3\r\nHost: news.example:80\r\n\r\nabc",
    b"GET / HTTP/1.1\r\nAccept: */*\r\n\r\n",
]

_EXPECTED = (Incomplete, MalformedPacket)


def _records(fragments: list[bytes], version: bytes = b"\x03\x01") -> bytes:
    return b"".join(b"\x16" + version + len(f).to_bytes(2, "big") + f for f in fragments)


def _handshake_messages(data: bytes) -> bytes:
    """The handshake bytes of the leading handshake records of a well-formed stream."""
    out = bytearray()
    i = 0
    while i < len(data) and data[i] == 0x16:
        length = int.from_bytes(data[i + 3 : i + 5], "big")
        out += data[i + 5 : i + 5 + length]
        i += 5 + length
    return bytes(out)


def sni_outcome(data) -> object:
    """extract_sni's answer: the name (str or None), or the exception class it raised.

    Any exception other than exactly Incomplete or MalformedPacket propagates and fails
    the test (IndexError, struct.error, UnicodeDecodeError, a subclass...).
    """
    try:
        result = extract_sni(data)
    except _EXPECTED as exc:
        assert type(exc) in _EXPECTED, type(exc)
        assert str(exc)  # every error says what is wrong
        return type(exc)
    assert result is None or (isinstance(result, str) and result and result.isascii()), result
    return result


# -- strategies ---------------------------------------------------------------------------
_BOUNDARY_16 = [
    0,
    1,
    2,
    3,
    4,
    5,
    37,
    38,
    0x7F,
    0x80,
    0xFF,
    0x100,
    0x3FFF,
    0x4000,
    0x4800,
    0x4801,
    0x7FFF,
    0x8000,
    0xFFFE,
    0xFFFF,
]


_OPS = st.sampled_from(["flip", "set", "insert", "delete", "truncate", "length"])
_BIT = st.integers(0, 7)
_BYTE = st.sampled_from([0x00, 0x01, 0x03, 0x16, 0x17, 0x7F, 0x80, 0xC0, 0xFF]) | st.integers(
    0, 255
)
_INSERTED = st.binary(min_size=1, max_size=16)
_DELETED = st.integers(1, 16)
_LENGTH = st.sampled_from(_BOUNDARY_16) | st.integers(0, 0xFFFF)


@st.composite
def mutated(draw, data: bytes, max_ops: int = 4) -> bytes:
    """``data`` after 1..max_ops random edits of the kinds real corruption and attacks make."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(_OPS)
        n = len(buf)
        if op == "flip" and n:
            buf[draw(st.integers(0, n - 1))] ^= 1 << draw(_BIT)
        elif op == "set" and n:
            buf[draw(st.integers(0, n - 1))] = draw(_BYTE)
        elif op == "insert":
            i = draw(st.integers(0, n))
            buf[i:i] = draw(_INSERTED)
        elif op == "delete" and n:
            i = draw(st.integers(0, n - 1))
            del buf[i : i + draw(_DELETED)]
        elif op == "truncate":
            del buf[draw(st.integers(0, n)) :]
        elif op == "length" and n >= 2:
            # what a length field could say: boundary values, or any 16-bit value
            i = draw(st.integers(0, n - 2))
            buf[i : i + 2] = draw(_LENGTH).to_bytes(2, "big")
    return bytes(buf)


_RECORD_VERSIONS = [b"\x03\x01", b"\x03\x03", b"\x03\x00"]


@st.composite
def split_hello(draw, data: bytes) -> bytes:
    """The handshake message of ``data`` re-framed into 1..8 TLS records at random offsets."""
    hs = _handshake_messages(data)
    cuts = sorted(draw(st.sets(st.integers(1, len(hs) - 1), max_size=7)))
    bounds = [0, *cuts, len(hs)]
    version = draw(st.sampled_from([*_RECORD_VERSIONS, data[1:3]]))
    return _records([hs[a:b] for a, b in zip(bounds, bounds[1:], strict=False)], version)


named_hello = st.sampled_from(NAMED_HELLOS)
any_hello = st.sampled_from(HELLO_SEEDS)


@st.composite
def mutated_hello(draw) -> bytes:
    data, _name = draw(any_hello)
    if draw(st.booleans()):
        data = draw(split_hello(data))
    return draw(mutated(data))


_BODY = st.binary(max_size=300)
_ANY_24 = st.integers(0, 0xFFFFFF)
_ANY_16 = st.integers(0, 0xFFFF)
_MINOR = st.integers(0, 4)


@st.composite
def plausible_tls(draw) -> bytes:
    """Random bytes under a believable record and handshake header, to get past the door."""
    body = draw(_BODY)
    hs_len = draw(st.sampled_from([len(body), len(body) + 1, 38]) | _ANY_24)
    hs = b"\x01" + hs_len.to_bytes(3, "big") + body
    rec_len = draw(st.sampled_from([len(hs), len(hs) - 1, len(hs) + 1, 0]) | _ANY_16)
    header = b"\x16\x03" + bytes([draw(_MINOR)]) + (rec_len % 0x10000).to_bytes(2, "big")
    return header + hs


_LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
hostnames = st.lists(_LABEL, min_size=1, max_size=4).map(".".join)

_METHOD = st.sampled_from([b"GET", b"HEAD", b"POST", b"CONNECT", b"PATCH", b"GETX", b"get"]) | (
    st.binary(max_size=8)
)
_TARGET = st.sampled_from([b"/", b"/index.html", b"*", b"http://a.example/"]) | st.binary(
    max_size=12
)
_VERSION = st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2", b""]) | st.binary(max_size=9)
_HEADER_NAME = st.sampled_from([b"Host", b"host", b"HOST", b" Host", b"User-Agent", b"X"]) | (
    st.binary(max_size=8)
)
_HEADER_VALUE = (
    st.sampled_from(
        [
            b"bakery.example",
            b"a.example:8080",
            b"[::1]:80",
            b"[::1",
            b"a:b:c",
            b"",
            b"\xff\xfe",
            b"caf\xc3\xa9.example",
        ]
    )
    | hostnames.map(str.encode)
    | st.binary(max_size=16)
)
_SEPARATOR = st.sampled_from([b": ", b":", b" : ", b""])
_END = st.sampled_from([b"\r\n\r\n", b"\r\n", b"", b"\n\n"])
_TAIL = st.binary(max_size=8)
_HEADER_COUNT = st.integers(0, 4)


_GOOD_METHOD = st.sampled_from(
    [b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"PATCH", b"CONNECT"]
)
_GOOD_HOST = st.sampled_from(
    [b"bakery.example", b"www", b"news.example:8080", b"[::1]:80", b"BAKERY.example"]
) | hostnames.map(str.encode)


@st.composite
def http_request(draw) -> bytes:
    """HTTP/1.x request heads: half well formed (with a Host header), half chaotic."""
    if draw(st.booleans()):
        lines = [draw(_GOOD_METHOD) + b" / HTTP/1." + draw(st.sampled_from([b"0", b"1"]))]
        lines += [b"X-%d: %d" % (i, i) for i in range(draw(_HEADER_COUNT))]
        lines.insert(draw(st.integers(1, len(lines))), b"Host: " + draw(_GOOD_HOST))
        return b"\r\n".join(lines) + b"\r\n\r\n" + draw(_TAIL)
    lines = [draw(_METHOD) + b" " + draw(_TARGET) + b" " + draw(_VERSION)]
    for _ in range(draw(_HEADER_COUNT)):
        lines.append(draw(_HEADER_NAME) + draw(_SEPARATOR) + draw(_HEADER_VALUE))
    data = b"\r\n".join(lines) + draw(_END) + draw(_TAIL)
    if draw(st.booleans()):
        data = draw(mutated(data, max_ops=2))
    return data


@st.composite
def mutated_dns(draw) -> bytes:
    return draw(mutated(draw(st.sampled_from(DNS_SEEDS))))


_QNAME = hostnames | st.sampled_from(
    ["bakery.example", "www.bakery.example", "news.example", "example"]
)
_QTYPE = st.sampled_from(["A", "AAAA", "MX", "TXT", "ANY", "CNAME", "SOA"])
_ID = st.integers(0, 0xFFFF)


@st.composite
def generated_query(draw) -> bytes:
    message = dns.message.make_query(draw(_QNAME), draw(_QTYPE), id=draw(_ID))
    if draw(st.booleans()):
        message.flags |= dns.flags.QR
    if draw(st.booleans()):
        message.use_edns(0, 0, draw(_ANY_16))
    return message.to_wire()


@st.composite
def mutated_ip(draw) -> bytes:
    return draw(mutated(draw(st.sampled_from(IP_PACKETS))))


ADDRESSES_4 = ["192.0.2.10", "192.0.2.11", "198.51.100.7", "203.0.113.5"]
ADDRESSES_6 = ["2001:db8::10", "2001:db8::11", "2001:db8:bad::1"]
BLOCKED_IP = ["198.51.100.0/24", "2001:db8:bad::/48"]
BLOCKED_NAMES = ["bakery.example", "example.ulfheim.net", "server", "24wd.biz", "localhost"]


_RAW_IP = st.sampled_from(IP_PACKETS) | st.deferred(lambda: mutated_ip())
_POOL_6 = st.sampled_from([ipaddress.ip_address(a) for a in ADDRESSES_6])
_POOL_4 = st.sampled_from([ipaddress.ip_address(a) for a in ADDRESSES_4])
_PORT = st.sampled_from([40000, 40001, 53, 80, 443]) | st.integers(0, 65535)
_ANY_PORT = st.integers(0, 65535)
_DNS_PAYLOAD = (
    st.deferred(lambda: mutated_dns())
    | st.deferred(lambda: generated_query())
    | st.sampled_from(DNS_SEEDS)
    | st.binary(max_size=64)
)
_TLS_PAYLOAD = (
    st.deferred(lambda: mutated_hello())
    | st.sampled_from([d for d, _ in HELLO_SEEDS])
    | named_hello.flatmap(lambda s: split_hello(s[0]))
    | st.deferred(lambda: plausible_tls())
)
_HTTP_PAYLOAD = st.deferred(lambda: http_request()) | st.sampled_from(HTTP_SEEDS)
_OTHER_PAYLOAD = st.binary(max_size=64)
_FLAGS = st.sampled_from(["PA", "A", "S", "SA", "FA", "FPA", "R", "RA", ""]) | st.sets(
    st.sampled_from(TCP_FLAGS)
).map("".join)
_SEQ = st.integers(0, 2**32 - 1)
_KIND = st.sampled_from(["tls", "http", "dns", "tcp", "udp", "raw"])


@st.composite
def packets(draw) -> Packet:
    """A packet a censor could meet: TLS, HTTP, DNS, random, or parsed from mutated bytes."""
    kind = draw(_KIND)
    if kind == "raw":
        try:
            return Packet.from_bytes(draw(_RAW_IP))
        except MalformedPacket:
            kind = "tcp"
    pool = _POOL_6 if draw(st.booleans()) else _POOL_4
    src, dst = draw(pool), draw(pool)
    sport = draw(_PORT)
    if kind in ("dns", "udp"):
        dport = 53 if kind == "dns" else draw(_ANY_PORT)
        return Packet(src, dst, "udp", sport, dport, payload=draw(_DNS_PAYLOAD))
    if kind == "tls":
        dport, payload = 443, draw(_TLS_PAYLOAD)
    elif kind == "http":
        dport, payload = 80, draw(_HTTP_PAYLOAD)
    else:
        dport, payload = draw(_PORT), draw(_OTHER_PAYLOAD)
    return Packet(
        src,
        dst,
        "tcp",
        sport,
        dport,
        payload=payload,
        flags=draw(_FLAGS),
        seq=draw(_SEQ),
        ack=draw(_SEQ),
    )


RULES = {
    "DropOnIP": lambda: DropOnIP(Blocklist(BLOCKED_IP[:1])),
    "ResetOnIP": lambda: ResetOnIP(Blocklist(BLOCKED_IP[1:])),
    "ResetOnSNI": lambda: ResetOnSNI(Blocklist(["bakery.example", "server"], match="suffix")),
    "DropOnSNI": lambda: DropOnSNI(Blocklist(["example.ulfheim.net", "24wd.biz"])),
    "ThrottleOnSNI": lambda: ThrottleOnSNI(Blocklist(["google.com", "localhost"], match="suffix")),
    "SpoofDNSOnQName": lambda: SpoofDNSOnQName(Blocklist(["bakery.example"], match="suffix")),
    "DropDNSOnQName": lambda: DropDNSOnQName(Blocklist(["example", "t.co"], match="substring")),
    "BlockpageOnHost": lambda: BlockpageOnHost(Blocklist(["bakery.example", "www"])),
}


@st.composite
def engines(draw) -> CensorEngine:
    engine = CensorEngine(
        "fuzz",
        reassemble=draw(st.booleans()),
        on_malformed=draw(st.sampled_from(["pass", "drop"])),
    )
    names = draw(st.permutations(list(RULES)))
    for name in names[: draw(st.integers(1, len(names)))]:
        engine.add(RULES[name]())
    return engine


def check_verdict(engine: CensorEngine, packet: Packet, verdict) -> None:
    """What every verdict must satisfy, whatever the packet."""
    assert verdict is None or isinstance(verdict, Verdict), verdict
    if verdict is None:
        return
    rule_names = {rule.name() for rule in engine.rules}
    assert verdict.rule in rule_names
    action = verdict.action
    assert action in ("malformed", "drop", "reset", "throttle", "spoof", "blockpage"), action
    if action == "malformed":
        assert verdict.forward == (engine.on_malformed == "pass")
        assert verdict.reason.startswith("could not parse: ")
        assert not verdict.inject and not verdict.remembered
    elif action in ("drop", "reset", "blockpage"):
        assert verdict.forward is False
    elif action == "throttle":
        assert verdict.forward is True and verdict.delay >= 0 and verdict.rate > 0
    elif action == "spoof":
        assert verdict.forward is True
        (forged,) = verdict.inject
        assert forged.proto == "udp" and forged.sport == 53 and forged.dst == packet.src
        assert isinstance(parse_dns(forged.payload), dns.message.Message)
    if verdict.remembered:
        assert action in ("drop", "throttle")
    for injected in verdict.inject:
        assert isinstance(injected, Packet)
        assert injected.version == packet.version
        assert Packet.from_bytes(injected.to_bytes()) == injected


# =========================================================================================
# extract_sni
# =========================================================================================


@given(st.binary(max_size=600))
def test_extract_sni_arbitrary_bytes(data):
    sni_outcome(data)


@given(plausible_tls())
def test_extract_sni_plausible_headers(data):
    sni_outcome(data)


@given(mutated_hello())
def test_extract_sni_mutated_real_hellos(data):
    sni_outcome(data)


@given(any_hello.flatmap(lambda s: st.tuples(st.just(s), split_hello(s[0]))))
def test_extract_sni_random_record_splits_keep_the_name(case):
    (_data, name), split = case
    assert sni_outcome(split) == name


@given(any_hello.flatmap(lambda s: st.tuples(st.just(s), split_hello(s[0]), st.data())))
def test_extract_sni_prefixes_are_incomplete_or_the_name(case):
    (_data, name), split, data = case
    k1 = data.draw(st.integers(0, len(split)))
    k2 = data.draw(st.integers(k1, len(split)))
    first, second = sni_outcome(split[:k1]), sni_outcome(split[:k2])
    if name is None:
        assert first is (None if k1 == len(split) else Incomplete)
        assert second is (None if k2 == len(split) else Incomplete)
    else:
        assert first in (Incomplete, name) and second in (Incomplete, name)
        if first == name:  # once read, the name stays read
            assert second == name
        if k2 == len(split):
            assert second == name


@given(any_hello.flatmap(lambda s: split_hello(s[0])).flatmap(mutated))
def test_extract_sni_mutated_splits(data):
    sni_outcome(data)


@given(any_hello, st.binary(min_size=1, max_size=40))
def test_extract_sni_trailing_bytes_after_a_complete_hello(seed, tail):
    # what follows a complete ClientHello cannot change the name it carries; only a bad
    # header of a further handshake record (0x16) can make the stream malformed
    data, name = seed
    got = sni_outcome(data + tail)
    if tail[0] != 0x16:
        assert got == name
    else:
        assert got in (name, MalformedPacket)


def test_extract_sni_rejects_non_bytes():
    for value in ("\x16\x03\x01", 22, None, [22, 3, 1]):
        with pytest.raises(MalformedPacket):
            extract_sni(value)


# =========================================================================================
# extract_host
# =========================================================================================


def host_outcome(data: bytes) -> object:
    try:
        result = extract_host(data)
    except _EXPECTED as exc:
        assert type(exc) in _EXPECTED, type(exc)
        return type(exc)
    assert result is None or isinstance(result, str), result
    return result


@given(st.binary(max_size=300))
def test_extract_host_arbitrary_bytes(data):
    host_outcome(data)


@given(http_request())
def test_extract_host_http_like_bytes(data):
    host_outcome(data)
    for k in (0, 1, len(data) // 2, len(data) - 1):
        host_outcome(data[: max(k, 0)])


@given(
    st.sampled_from([b"GET", b"HEAD", b"POST", b"OPTIONS"]),
    hostnames,
    st.none() | st.integers(0, 65535),
    st.integers(0, 3),
)
def test_extract_host_well_formed_requests(method, host, port, extra_headers):
    authority = host if port is None else f"{host}:{port}"
    headers = [b"X-Pad-%d: 1" % i for i in range(extra_headers)]
    request = b"\r\n".join([method + b" / HTTP/1.1", *headers, b"Host: " + authority.encode()])
    request += b"\r\n\r\n"
    assert extract_host(request) == host
    for k in range(len(request)):  # every proper prefix waits for the blank line
        assert host_outcome(request[:k]) is Incomplete, k


# =========================================================================================
# parse_dns
# =========================================================================================


def dns_outcome(data: bytes) -> object:
    try:
        message = parse_dns(data)
    except MalformedPacket as exc:
        assert type(exc) is MalformedPacket, type(exc)
        return MalformedPacket
    assert isinstance(message, dns.message.Message)
    return message


@given(st.binary(max_size=512))
def test_parse_dns_arbitrary_bytes(data):
    dns_outcome(data)


@given(mutated_dns())
def test_parse_dns_mutated_real_messages(data):
    dns_outcome(data)


@given(generated_query())
def test_parse_dns_generated_queries_round_trip(data):
    message = dns_outcome(data)
    assert message is not MalformedPacket
    assert message.to_wire() == data


@given(st.sampled_from(DNS_SEEDS), st.data())
def test_parse_dns_truncated_real_messages(data, draw):
    k = draw.draw(st.integers(0, len(data) - 1))
    assert dns_outcome(data[:k]) is MalformedPacket


# =========================================================================================
# Packet.from_bytes
# =========================================================================================


def ip_outcome(data: bytes) -> object:
    try:
        packet = Packet.from_bytes(data)
    except ValueError as exc:
        # MalformedPacket only: a plain ValueError from Packet's own validation would mean
        # the parser built a Packet from fields it had not checked
        assert type(exc) is MalformedPacket, type(exc)
        return MalformedPacket
    assert isinstance(packet, Packet)
    assert packet.proto in ("tcp", "udp", "icmp")
    assert packet.to_bytes()  # whatever was parsed can be written again
    return packet


@given(st.binary(max_size=120))
def test_from_bytes_arbitrary_bytes(data):
    ip_outcome(data)


@given(st.sampled_from([0x45, 0x46, 0x4F, 0x60, 0x6F]), st.binary(max_size=120))
def test_from_bytes_arbitrary_bytes_after_a_version_byte(first, rest):
    ip_outcome(bytes([first]) + rest)


@given(mutated_ip())
def test_from_bytes_mutated_real_packets(data):
    ip_outcome(data)


_PAIRS = {
    4: st.tuples(st.ip_addresses(v=4), st.ip_addresses(v=4)),
    6: st.tuples(st.ip_addresses(v=6), st.ip_addresses(v=6)),
}
_TCP_FLAG_SETS = st.sets(st.sampled_from(TCP_FLAGS)).map("".join)
_MSS = st.none() | st.integers(0, 65535)
_TTL = st.integers(0, 255)


@st.composite
def simulator_packets(draw, version=None, proto=None, min_payload=0) -> Packet:
    """Packets as the simulator builds them (IPv4 or IPv6, TCP or UDP, any field values)."""
    src, dst = draw(_PAIRS[version or draw(st.sampled_from([4, 6]))])
    proto = proto or draw(st.sampled_from(["tcp", "udp"]))
    fields = dict(
        src=src,
        dst=dst,
        proto=proto,
        sport=draw(_ANY_PORT),
        dport=draw(_ANY_PORT),
        payload=draw(st.binary(min_size=min_payload, max_size=64)),
        ttl=draw(_TTL),
        ident=draw(_ANY_16) if src.version == 4 else 0,
    )
    if proto == "tcp":
        fields.update(
            flags=draw(_TCP_FLAG_SETS),
            seq=draw(_SEQ),
            ack=draw(_SEQ),
            window=draw(_ANY_16),
            mss=draw(_MSS),
        )
    return Packet(**fields)


@given(simulator_packets())
def test_from_bytes_reads_what_to_bytes_writes(packet):
    raw = packet.to_bytes()
    assert Packet.from_bytes(raw) == packet
    assert Packet.from_bytes(raw + b"\x00" * 6) == packet  # link-layer padding is ignored


@given(simulator_packets(version=4), st.data())
def test_from_bytes_rejects_every_truncated_ipv4_packet(packet, data):
    raw = packet.to_bytes()
    k = data.draw(st.integers(0, len(raw) - 1))
    assert ip_outcome(raw[:k]) is MalformedPacket


@given(
    simulator_packets(version=6, proto="tcp", min_payload=1),
    st.data(),
)
def test_from_bytes_rejects_every_truncated_ipv6_packet(packet, data):
    raw = packet.to_bytes()
    k = data.draw(st.integers(len(raw) - len(packet.payload), len(raw) - 1))
    assert ip_outcome(raw[:k]) is MalformedPacket


# =========================================================================================
# The censor engine
# =========================================================================================


@given(
    engines(),
    st.lists(st.tuples(packets(), st.sampled_from(["out", "in"])), min_size=1, max_size=6),
    st.data(),
)
def test_engine_never_crashes_and_always_answers_explicitly(engine, stream, data):
    now = 0.0
    for packet, direction in stream:
        now += data.draw(st.floats(0, 5, allow_nan=False))
        verdict = engine.inspect(packet, now=now, direction=direction)
        check_verdict(engine, packet, verdict)


@given(st.lists(packets(), min_size=1, max_size=6), st.permutations(list(RULES)), st.booleans())
def test_engine_on_malformed_only_changes_malformed_verdicts(stream, order, reassemble):
    twins = {}
    for policy in ("pass", "drop"):
        engine = CensorEngine("fuzz", reassemble=reassemble, on_malformed=policy)
        for name in order:
            engine.add(RULES[name]())
        twins[policy] = [engine.inspect(p, now=float(i)) for i, p in enumerate(stream)]
    for a, b in zip(twins["pass"], twins["drop"], strict=True):
        assert (a is None) == (b is None)
        if a is None:
            continue
        assert a.action == b.action and a.rule == b.rule
        if a.action == "malformed":
            assert (a.forward, b.forward) == (True, False)
        else:
            assert a.forward == b.forward


def _single_rule_engine(rule, policy: str) -> CensorEngine:
    engine = CensorEngine("oracle", reassemble=False, on_malformed=policy)
    engine.add(rule)
    return engine


def _expected(parse, blocklist: Blocklist, hit: str):
    """The action a one-rule engine must take: parse, then match (None: pass)."""
    try:
        name = parse()
    except Incomplete:
        return None
    except MalformedPacket:
        return "malformed"
    if name is None:
        return None
    try:
        entry = blocklist.match(name)
    except ValueError:
        return "malformed"
    return None if entry is None else hit


@given(
    mutated_hello() | plausible_tls() | st.binary(max_size=80), st.sampled_from(["pass", "drop"])
)
def test_sni_rule_verdict_matches_the_parser(payload, policy):
    blocklist = Blocklist(["bakery.example", "example.ulfheim.net"], match="suffix")
    engine = _single_rule_engine(ResetOnSNI(blocklist), policy)
    packet = Packet(
        ipaddress.ip_address("192.0.2.10"),
        ipaddress.ip_address("203.0.113.5"),
        "tcp",
        40000,
        443,
        payload=payload,
        flags="PA",
        seq=1,
        ack=1,
    )
    verdict = engine.inspect(packet, now=0.0)
    check_verdict(engine, packet, verdict)
    if not payload or payload[0] != 0x16:
        expected = None
    else:
        expected = _expected(lambda: extract_sni(payload), blocklist, "reset")
    assert (verdict.action if verdict else None) == expected
    if expected == "reset":
        assert len(verdict.inject) == 2


@given(
    mutated_dns() | generated_query() | st.binary(max_size=64),
    st.sampled_from(["pass", "drop"]),
    st.booleans(),
)
def test_dns_rule_verdict_matches_the_parser(payload, policy, spoof):
    blocklist = Blocklist(["bakery.example"], match="suffix")
    rule = SpoofDNSOnQName(blocklist) if spoof else DropDNSOnQName(blocklist)
    engine = _single_rule_engine(rule, policy)
    packet = Packet(
        ipaddress.ip_address("192.0.2.10"),
        ipaddress.ip_address("203.0.113.5"),
        "udp",
        40000,
        53,
        payload=payload,
    )
    verdict = engine.inspect(packet, now=0.0)
    check_verdict(engine, packet, verdict)

    def qname():
        message = parse_dns(payload)
        if message.flags & dns.flags.QR or len(message.question) != 1:
            return None
        return message.question[0].name.to_text(omit_final_dot=True)

    expected = _expected(qname, blocklist, "spoof" if spoof else "drop")
    assert (verdict.action if verdict else None) == expected


@given(http_request() | st.sampled_from(HTTP_SEEDS), st.sampled_from(["pass", "drop"]))
def test_host_rule_verdict_matches_the_parser(payload, policy):
    blocklist = Blocklist(["bakery.example", "www"])
    engine = _single_rule_engine(BlockpageOnHost(blocklist), policy)
    packet = Packet(
        ipaddress.ip_address("192.0.2.10"),
        ipaddress.ip_address("203.0.113.5"),
        "tcp",
        40000,
        80,
        payload=payload,
        flags="PA",
        seq=1,
        ack=1,
    )
    verdict = engine.inspect(packet, now=0.0)
    check_verdict(engine, packet, verdict)
    if not payload or not payload[:1].isalpha():
        expected = None
    else:
        expected = _expected(lambda: extract_host(payload), blocklist, "blockpage")
    assert (verdict.action if verdict else None) == expected


# -- a TCP flow carrying a ClientHello split into segments --------------------------------
CLIENT = ipaddress.ip_address("192.0.2.10")
SERVER = ipaddress.ip_address("203.0.113.5")


@st.composite
def segmented_flows(draw):
    """(hello, name, segments, isn): the hello cut into 1..6 TCP segments."""
    hello, name = draw(named_hello)
    if draw(st.booleans()):
        hello = draw(split_hello(hello))  # several TLS records as well as several segments
    cuts = sorted(draw(st.sets(st.integers(1, len(hello) - 1), max_size=5)))
    bounds = [0, *cuts, len(hello)]
    segments = [(a, hello[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    isn = draw(st.integers(0, 2**32 - 1) | st.sampled_from([0, 2**32 - 1, 2**32 - 2]))
    return hello, name, segments, isn


def _name_complete_at(hello: bytes, name: str) -> int:
    """The stream length at which extract_sni first returns the name."""
    lo, hi = 0, len(hello)
    while lo < hi:  # the outcome is monotonic: Incomplete ... Incomplete, name ... name
        mid = (lo + hi) // 2
        if sni_outcome(hello[:mid]) == name:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _flow_packets(segments, isn, duplicates: set[int]):
    """SYN, SYN-ACK, then the segments (some sent twice), as (packet, direction, index)."""
    server_isn = 7_000_000
    yield Packet(CLIENT, SERVER, "tcp", 40000, 443, flags="S", seq=isn, mss=1460), "out", None
    yield (
        Packet(
            SERVER,
            CLIENT,
            "tcp",
            443,
            40000,
            flags="SA",
            seq=server_isn,
            ack=(isn + 1) % 2**32,
            mss=1460,
        ),
        "in",
        None,
    )
    for i, (offset, chunk) in enumerate(segments):
        packet = Packet(
            CLIENT,
            SERVER,
            "tcp",
            40000,
            443,
            payload=chunk,
            flags="PA",
            seq=(isn + 1 + offset) % 2**32,
            ack=server_isn + 1,
        )
        yield packet, "out", i
        if i in duplicates:  # a retransmission of the same bytes
            yield packet, "out", i


@given(segmented_flows(), st.sets(st.integers(0, 5), max_size=3), st.sampled_from(["pass", "drop"]))
def test_reassembling_censor_resets_once_the_name_is_complete(flow, duplicates, policy):
    hello, name, segments, isn = flow
    engine = CensorEngine("fuzz", reassemble=True, on_malformed=policy)
    engine.add(ResetOnSNI(Blocklist([name], match="suffix")))
    complete_at = _name_complete_at(hello, name)
    reset_seen = False
    for packet, direction, index in _flow_packets(segments, isn, duplicates):
        verdict = engine.inspect(packet, now=0.0, direction=direction)
        check_verdict(engine, packet, verdict)
        if index is None:
            assert verdict is None  # the handshake passes
            continue
        offset, chunk = segments[index]
        if reset_seen:
            assert verdict.action == "drop" and verdict.remembered
        elif offset + len(chunk) >= complete_at:
            assert verdict is not None and verdict.action == "reset", (index, verdict)
            to_client, to_server = verdict.inject
            assert to_server.seq == packet.seq and "R" in to_server.flags
            assert to_client.ack == (packet.seq + len(chunk)) % 2**32
            reset_seen = True
        else:
            assert verdict is None, (index, verdict)
    assert reset_seen


@given(segmented_flows(), st.sampled_from(["pass", "drop"]))
def test_per_packet_censor_sees_only_the_first_segment(flow, policy):
    hello, name, segments, isn = flow
    engine = CensorEngine("fuzz", reassemble=False, on_malformed=policy)
    engine.add(ResetOnSNI(Blocklist([name], match="suffix")))
    first_has_name = len(segments[0][1]) >= _name_complete_at(hello, name)
    actions = []
    for packet, direction, index in _flow_packets(segments, isn, set()):
        verdict = engine.inspect(packet, now=0.0, direction=direction)
        check_verdict(engine, packet, verdict)
        if index is not None:
            actions.append(verdict.action if verdict else None)
    if first_has_name:
        assert actions[0] == "reset"
        assert all(a == "drop" for a in actions[1:])
    else:
        assert "reset" not in actions  # a later segment alone never shows the name


@given(named_hello, st.data())
def test_reassembling_censor_follows_overlapping_retransmissions(seed, data):
    hello, name = seed
    complete_at = _name_complete_at(hello, name)
    first = data.draw(st.integers(1, complete_at - 1))  # ends before the name is complete
    resent = data.draw(st.integers(first + 1, len(hello)))  # re-sends [0, resent)
    segments = [(0, hello[:first]), (0, hello[:resent])]
    if resent < len(hello):
        segments.append((resent, hello[resent:]))
    engine = CensorEngine("fuzz", reassemble=True)
    engine.add(ResetOnSNI(Blocklist([name], match="suffix")))
    actions = []
    for packet, direction, _index in _flow_packets(segments, 1000, set()):
        verdict = engine.inspect(packet, now=0.0, direction=direction)
        check_verdict(engine, packet, verdict)
        actions.append(verdict.action if verdict else None)
    assert "reset" in actions


@given(named_hello, st.integers(0, 2**32 - 1))
def test_reassembling_censor_is_at_least_as_strong_as_per_packet(seed, seq):
    hello, name = seed
    packet = Packet(CLIENT, SERVER, "tcp", 40000, 443, payload=hello, flags="PA", seq=seq, ack=1)
    actions = {}
    for reassemble in (False, True):
        engine = CensorEngine("fuzz", reassemble=reassemble)
        engine.add(ResetOnSNI(Blocklist([name], match="suffix")))
        verdict = engine.inspect(packet, now=0.0)
        actions[reassemble] = verdict.action if verdict else None
    assert actions[False] == "reset"
    assert actions[True] == "reset"


def test_seeds_are_what_they_claim():
    # the fuzzers start from valid inputs (otherwise they would only fuzz error paths)
    for data, name in HELLO_SEEDS:
        assert extract_sni(data) == name
    for data in DNS_SEEDS:
        assert isinstance(parse_dns(data), dns.message.Message)
    for raw in IP_PACKETS:
        assert isinstance(Packet.from_bytes(raw), Packet)
    for data in HTTP_SEEDS:
        assert extract_host(data) in ("bakery.example", "[2001:db8::1]", "news.example", None)
    assert dns.rdatatype.to_text(parse_dns(DNS_SEEDS[-1]).question[0].rdtype) == "TXT"

"""What travels on the simulated wire: packets, and parsers for what they carry.

Theory of operation
-------------------
A censor can only act on what it sees in the bytes of a packet. This module holds those
bytes and the parsers a censor (or a student) uses to read them:

* :class:`Packet` is one IP datagram: addresses (``ipaddress`` objects, IPv4 or IPv6),
  ports, TCP flags, sequence and acknowledgement numbers, and the payload bytes. It is a
  frozen dataclass; :meth:`Packet.to_bytes` serialises it to real IPv4/IPv6 + TCP/UDP
  headers with correct checksums, and :meth:`Packet.from_bytes` reads such bytes back.
* DNS payloads are dnspython wire format (:func:`dns_query`, :func:`parse_dns`).
* TLS payloads come from real handshakes (see :mod:`censorsim.tls`). :func:`extract_sni`
  reads the server name from the first bytes of a client's TLS stream, the way an SNI
  filter does (lesson 04). It never trusts a length field: bytes that are a valid
  beginning of a ClientHello raise :class:`Incomplete`, anything else that is not a
  ClientHello raises :class:`MalformedPacket`.
* :func:`extract_host` does the same for the ``Host`` header of a plaintext HTTP request.
* :func:`write_pcap` writes raw-IP pcap files that Wireshark and tshark decode.

Nothing here performs I/O on a network. scapy is imported lazily, only by
:meth:`Packet.to_scapy`, to display and cross-check packets.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

__all__ = [
    "Packet",
    "MalformedPacket",
    "Incomplete",
    "dns_query",
    "parse_dns",
    "dns_to_wire",
    "dns_summary",
    "extract_sni",
    "extract_host",
    "write_pcap",
    "TCP_FLAGS",
]


class MalformedPacket(ValueError):
    """Bytes that are not what the parser was asked to read (and cannot become so)."""


class Incomplete(ValueError):
    """Bytes that are a valid beginning of a message that needs more data."""


# TCP flags in the order scapy and tcpdump print them.
TCP_FLAGS = "FSRPAUEC"
_FLAG_BITS = {flag: 1 << i for i, flag in enumerate(TCP_FLAGS)}


def _canonical_flags(flags: str) -> str:
    bad = set(flags) - set(TCP_FLAGS)
    if bad:
        raise ValueError(
            f"TCP flags {flags!r} contain {''.join(sorted(bad))!r}: expected letters from "
            f"{TCP_FLAGS!r} (F=FIN S=SYN R=RST P=PSH A=ACK)"
        )
    return "".join(f for f in TCP_FLAGS if f in flags)


_ADDRESS_TYPES = (ipaddress.IPv4Address, ipaddress.IPv6Address)
# every flag combination written in canonical order, for the constructor's fast path
_CANONICAL = frozenset(
    "".join(f for i, f in enumerate(TCP_FLAGS) if mask >> i & 1) for mask in range(256)
)


def _as_address(value: object, what: str) -> IPAddress:
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return value
    try:
        return ipaddress.ip_address(value)  # type: ignore[arg-type]
    except ValueError:
        raise ValueError(f"{what} {value!r} is not an IPv4 or IPv6 address") from None


@dataclass(frozen=True, slots=True, repr=False)
class Packet:
    """One IP packet carrying TCP or UDP, as the simulator moves it (lesson 01).

    ``flags`` uses scapy's letters in canonical order: ``"S"`` (SYN), ``"SA"``
    (SYN-ACK), ``"PA"`` (data), ``"FA"`` (FIN), ``"R"``/``"RA"`` (reset). ``mss`` is the
    TCP maximum segment size option, which real stacks put on SYN and SYN-ACK. ``ident``
    is the IPv4 identification field (always 0 for IPv6, which has none).
    """

    src: IPAddress
    dst: IPAddress
    proto: str
    sport: int
    dport: int
    payload: bytes = b""
    flags: str = ""
    seq: int = 0
    ack: int = 0
    window: int = 65535
    ttl: int = 64
    ident: int = 0
    mss: int | None = None

    def __post_init__(self) -> None:
        # The fast path accepts what the simulator itself builds; anything else gets
        # the full checks and an error message that names the bad value.
        if (
            type(self.src) in _ADDRESS_TYPES
            and type(self.dst) is type(self.src)
            and type(self.payload) is bytes
            and type(self.sport) is int
            and type(self.dport) is int
            and 0 <= self.sport <= 65535
            and 0 <= self.dport <= 65535
            and 0 <= self.seq < 4294967296
            and 0 <= self.ack < 4294967296
            and (
                (self.proto == "tcp" and self.flags in _CANONICAL)
                or (self.proto == "udp" and not self.flags)
            )
            and (self.ident == 0 or type(self.src) is ipaddress.IPv4Address)
        ):
            return
        self._validate()

    def _validate(self) -> None:
        if type(self.src) not in _ADDRESS_TYPES:
            object.__setattr__(self, "src", _as_address(self.src, "source address"))
        if type(self.dst) not in _ADDRESS_TYPES:
            object.__setattr__(self, "dst", _as_address(self.dst, "destination address"))
        if self.src.version != self.dst.version:
            raise ValueError(
                f"source {self.src} and destination {self.dst} are not the same IP version"
            )
        if self.proto not in ("tcp", "udp"):
            raise ValueError(f"protocol {self.proto!r} is not supported: expected 'tcp' or 'udp'")
        for name in ("sport", "dport"):
            port = getattr(self, name)
            if type(port) is not int or not 0 <= port <= 65535:
                raise ValueError(f"{name} {port!r} is not a port number (0 to 65535)")
        if type(self.payload) is not bytes:
            if isinstance(self.payload, bytearray | memoryview):
                object.__setattr__(self, "payload", bytes(self.payload))
            else:
                raise ValueError(f"payload must be bytes, got {type(self.payload).__name__}")
        if not isinstance(self.flags, str):
            raise ValueError(f"flags {self.flags!r} must be a str such as 'SA'")
        if self.flags:
            if self.proto != "tcp":
                raise ValueError(f"flags {self.flags!r} given for a {self.proto} packet")
            canon = _canonical_flags(self.flags)
            if canon != self.flags:
                object.__setattr__(self, "flags", canon)
        for name in ("seq", "ack"):
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value < 2**32:
                raise ValueError(f"{name} {value!r} is not a 32-bit sequence number")
        if self.src.version == 6 and self.ident:
            object.__setattr__(self, "ident", 0)  # IPv6 headers have no identification field

    # -- reading -----------------------------------------------------------------------
    @property
    def version(self) -> int:
        """4 or 6."""
        return self.src.version

    def reply(self, **changes) -> Packet:
        """A packet in the opposite direction of the same flow (addresses and ports swapped)."""
        fields = dict(
            src=self.dst, dst=self.src, proto=self.proto, sport=self.dport, dport=self.sport
        )
        fields.update(changes)
        return Packet(**fields)

    def summary(self) -> str:
        """One line saying what the packet is, in the words of lesson 01."""
        return describe(self)

    def __repr__(self) -> str:
        src = _endpoint(self.src, self.sport)
        dst = _endpoint(self.dst, self.dport)
        if self.proto == "tcp":
            return (
                f"<Packet tcp {src} > {dst} [{self.flags or '.'}] seq={self.seq} "
                f"ack={self.ack} len={len(self.payload)}>"
            )
        return f"<Packet udp {src} > {dst} len={len(self.payload)}>"

    # -- bytes -------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """The packet as real IP bytes: header, TCP or UDP header, payload; checksums set."""
        if self.proto == "tcp":
            options = b""
            if self.mss is not None:
                options = struct.pack("!BBH", 2, 4, self.mss)
            offset = (20 + len(options)) // 4
            bits = 0
            for f in self.flags:
                bits |= _FLAG_BITS[f]
            l4 = (
                struct.pack(
                    "!HHIIBBHHH",
                    self.sport,
                    self.dport,
                    self.seq,
                    self.ack,
                    offset << 4,
                    bits,
                    self.window,
                    0,
                    0,
                )
                + options
                + self.payload
            )
            proto_number, checksum_at = 6, 16
        else:
            l4 = struct.pack("!HHHH", self.sport, self.dport, 8 + len(self.payload), 0)
            l4 += self.payload
            proto_number, checksum_at = 17, 6
        if self.version == 4:
            pseudo = (
                self.src.packed + self.dst.packed + struct.pack("!BBH", 0, proto_number, len(l4))
            )
        else:
            pseudo = (
                self.src.packed + self.dst.packed + struct.pack("!IxxxB", len(l4), proto_number)
            )
        checksum = _internet_checksum(pseudo + l4)
        if proto_number == 17 and checksum == 0:
            checksum = 0xFFFF
        l4 = l4[:checksum_at] + struct.pack("!H", checksum) + l4[checksum_at + 2 :]
        if self.version == 4:
            header = struct.pack(
                "!BBHHHBBH4s4s",
                0x45,
                0,
                20 + len(l4),
                self.ident & 0xFFFF,
                0x4000,  # don't fragment
                self.ttl,
                proto_number,
                0,
                self.src.packed,
                self.dst.packed,
            )
            header = header[:10] + struct.pack("!H", _internet_checksum(header)) + header[12:]
        else:
            header = struct.pack(
                "!IHBB16s16s",
                6 << 28,
                len(l4),
                proto_number,
                self.ttl,
                self.src.packed,
                self.dst.packed,
            )
        return header + l4

    @classmethod
    def from_bytes(cls, data: bytes) -> Packet:
        """Read raw IPv4 or IPv6 bytes carrying TCP or UDP (the inverse of :meth:`to_bytes`)."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise MalformedPacket(f"expected bytes, got {type(data).__name__}")
        try:
            return _parse_ip(bytes(data))
        except (struct.error, IndexError):
            raise MalformedPacket(f"{len(data)} bytes are too short for their headers") from None

    def to_scapy(self):
        """The packet dissected by scapy (for display and cross-checks only; never sent)."""
        from censorsim._scapy import dissect

        return dissect(self.to_bytes())


def _endpoint(address: IPAddress, port: int) -> str:
    return f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}"


def _internet_checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _parse_ip(data: bytes) -> Packet:
    if not data:
        raise MalformedPacket("0 bytes: not an IP packet")
    version = data[0] >> 4
    if version == 4:
        ihl = (data[0] & 0x0F) * 4
        if ihl < 20:
            raise MalformedPacket(f"IPv4 header length {ihl} is below the minimum of 20")
        total, ident, _frag, ttl, proto = struct.unpack("!2xHHHBB", data[:10])
        if total > len(data) or total < ihl:
            raise MalformedPacket(f"IPv4 total length {total} does not fit {len(data)} bytes")
        src = ipaddress.IPv4Address(data[12:16])
        dst = ipaddress.IPv4Address(data[16:20])
        body = data[ihl:total]
    elif version == 6:
        if len(data) < 40:
            raise MalformedPacket(f"{len(data)} bytes are too short for an IPv6 header")
        plen, proto, ttl = struct.unpack("!HBB", data[4:8])
        if 40 + plen > len(data):
            raise MalformedPacket(f"IPv6 payload length {plen} does not fit {len(data) - 40} bytes")
        src = ipaddress.IPv6Address(data[8:24])
        dst = ipaddress.IPv6Address(data[24:40])
        body = data[40 : 40 + plen]
        ident = 0
    else:
        raise MalformedPacket(f"IP version {version} is neither 4 nor 6")
    if proto == 6:
        sport, dport, seq, ack, off, bits, window = struct.unpack("!HHIIBBH", body[:16])
        off = (off >> 4) * 4
        if off < 20 or off > len(body):
            raise MalformedPacket(f"TCP data offset {off} is not within the segment")
        mss = None
        options = body[20:off]
        i = 0
        while i < len(options):
            kind = options[i]
            if kind == 0:
                break
            if kind == 1:
                i += 1
                continue
            if i + 1 >= len(options) or options[i + 1] < 2:
                raise MalformedPacket("TCP option list is truncated")
            if kind == 2 and options[i + 1] == 4:
                mss = struct.unpack("!H", options[i + 2 : i + 4])[0]
            i += options[i + 1]
        flags = "".join(f for f in TCP_FLAGS if bits & _FLAG_BITS[f])
        return Packet(
            src,
            dst,
            "tcp",
            sport,
            dport,
            bytes(body[off:]),
            flags,
            seq,
            ack,
            window,
            ttl,
            ident,
            mss,
        )
    if proto == 17:
        sport, dport, length = struct.unpack("!HHH", body[:6])
        if length < 8 or length > len(body):
            raise MalformedPacket(f"UDP length {length} does not fit {len(body)} bytes")
        return Packet(src, dst, "udp", sport, dport, bytes(body[8:length]), ttl=ttl, ident=ident)
    raise MalformedPacket(f"IP protocol {proto} is neither TCP (6) nor UDP (17)")


# -- DNS ---------------------------------------------------------------------------------
def dns_query(qname: str, rdtype: str = "A", *, id: int, recursion_desired: bool = True) -> bytes:
    """The wire bytes of a DNS query for ``qname`` (dnspython's ``make_query``, lesson 01)."""
    message = dns.message.make_query(qname, rdtype, id=id)
    if not recursion_desired:
        message.flags &= ~dns.flags.RD
    return message.to_wire()


def dns_to_wire(message: dns.message.Message) -> bytes:
    """Wire bytes of a DNS message, records in the order given.

    dnspython shuffles the records of each set with Python's global ``random`` unless
    told not to; the simulator must give the same bytes on every run.
    """
    return message.to_wire(want_shuffle=False)


def parse_dns(data: bytes) -> dns.message.Message:
    """Parse DNS wire bytes with dnspython; anything that is not DNS raises MalformedPacket."""
    try:
        return dns.message.from_wire(data)
    except dns.exception.DNSException as exc:
        raise MalformedPacket(f"not a DNS message: {exc}") from None
    except (ValueError, IndexError, UnicodeError) as exc:  # defensive: dnspython internals
        raise MalformedPacket(f"not a DNS message: {exc}") from None


def dns_summary(message: dns.message.Message) -> str:
    """``"query A bakery.example"`` or ``"answer A bakery.example -> 203.0.113.10"``."""
    if not message.question:
        return "DNS message without a question"
    q = message.question[0]
    name = q.name.to_text(omit_final_dot=True)
    rdtype = dns.rdatatype.to_text(q.rdtype)
    if not message.flags & dns.flags.QR:
        return f"DNS query {rdtype} {name}"
    rcode = message.rcode()
    if rcode != dns.rcode.NOERROR:
        return f"DNS answer {rdtype} {name}: {dns.rcode.to_text(rcode)}"
    addresses = [
        rd.to_text() for rrset in message.answer for rd in rrset if rrset.rdtype == q.rdtype
    ]
    if not addresses:
        return f"DNS answer {rdtype} {name}: no {rdtype} records"
    return f"DNS answer {rdtype} {name} -> {', '.join(addresses)}"


# -- TLS: the server name in a ClientHello -----------------------------------------------
_TLS_HANDSHAKE = 22
_CLIENT_HELLO = 1
_EXT_SERVER_NAME = 0
_MAX_RECORD = 2**14 + 2048  # RFC 8446 5.2: the largest ciphertext; plaintext is smaller


def _handshake_bytes(data: bytes) -> tuple[bytes, bool]:
    """Concatenate the handshake fragments of the leading TLS records.

    Returns the bytes gathered and whether more of them may still come: True when the
    data ends inside or right after a handshake record, False when a record of another
    type follows (then the handshake bytes are all there are).
    """
    out = bytearray()
    i = 0
    n = len(data)
    while i < n:
        if data[i] != _TLS_HANDSHAKE:
            if i == 0:
                raise MalformedPacket(
                    f"first byte 0x{data[0]:02x} is not a TLS handshake record (0x16)"
                )
            return bytes(out), False
        if i + 1 < n and data[i + 1] != 3:
            raise MalformedPacket(f"TLS record version major byte 0x{data[i + 1]:02x} is not 0x03")
        if i + 5 > n:
            return bytes(out), True
        length = (data[i + 3] << 8) | data[i + 4]
        if length == 0 or length > _MAX_RECORD:
            raise MalformedPacket(f"TLS record length {length} is out of range")
        out += data[i + 5 : i + 5 + length]
        i += 5 + length
    return bytes(out), True


class _Reader:
    """Bounds-checked reads that tell 'needs more bytes' from 'cannot be right'.

    ``limit`` is where the message says it ends; reading past it is malformed. Reading
    past the bytes available but within ``limit`` is incomplete when more may come.
    """

    __slots__ = ("data", "pos", "limit", "more")

    def __init__(self, data: bytes, pos: int, limit: int, more: bool):
        self.data, self.pos, self.limit, self.more = data, pos, limit, more

    def need(self, k: int, field: str) -> None:
        stop = self.pos + k
        if stop > self.limit:
            raise MalformedPacket(f"ClientHello: {field} runs past the end of its container")
        if stop > len(self.data):
            if self.more:
                raise Incomplete(f"ClientHello: need more bytes to read {field}")
            raise MalformedPacket(f"ClientHello: {field} is cut short by a record of another type")

    def u8(self, field: str) -> int:
        self.need(1, field)
        self.pos += 1
        return self.data[self.pos - 1]

    def u16(self, field: str) -> int:
        self.need(2, field)
        self.pos += 2
        return (self.data[self.pos - 2] << 8) | self.data[self.pos - 1]

    def skip(self, k: int, field: str) -> None:
        self.need(k, field)
        self.pos += k


def extract_sni(data: bytes) -> str | None:
    """Return the server name in the ClientHello at the start of ``data``, or None.

    ``data`` is the client's side of a TLS connection from its first byte: one TLS record
    or several (a ClientHello may be split across records, and a TCP segment may end in
    the middle of one). Returns the ``host_name`` of the server_name extension, or None
    when the ClientHello has no such extension. Raises :class:`Incomplete` when the bytes
    are a valid beginning of a ClientHello that needs more data, and
    :class:`MalformedPacket` for anything else. This is the parser an SNI filter runs
    (lesson 04); it reads every length field against its container, and returns as soon
    as the name has been read, as a filter would.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedPacket(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise Incomplete("no bytes yet")
    hs, more = _handshake_bytes(data)
    head = _Reader(hs, 0, 4, more)
    msg_type = head.u8("handshake type")
    if msg_type != _CLIENT_HELLO:
        raise MalformedPacket(f"handshake type {msg_type} is not a ClientHello (1)")
    head.need(3, "handshake length")
    body_len = (hs[1] << 16) | (hs[2] << 8) | hs[3]
    if body_len < 38:
        raise MalformedPacket(f"ClientHello length {body_len} is below the minimum of 38")
    end = 4 + body_len
    r = _Reader(hs, 4, end, more)
    major = r.u8("legacy_version")
    r.u8("legacy_version")
    if major != 3:
        raise MalformedPacket(f"ClientHello legacy_version major byte {major} is not 3")
    r.skip(32, "random")
    sid = r.u8("legacy_session_id length")
    if sid > 32:
        raise MalformedPacket(f"session id length {sid} exceeds 32")
    r.skip(sid, "legacy_session_id")
    suites = r.u16("cipher_suites length")
    if suites < 2 or suites % 2:
        raise MalformedPacket(f"cipher_suites length {suites} is not a positive even number")
    r.skip(suites, "cipher_suites")
    methods = r.u8("compression_methods length")
    if methods < 1:
        raise MalformedPacket("compression_methods is empty")
    r.skip(methods, "compression_methods")
    if r.pos == end:
        return None  # a ClientHello without extensions (TLS 1.0 style): no server name
    ext_total = r.u16("extensions length")
    if r.pos + ext_total != end:
        raise MalformedPacket(
            f"extensions length {ext_total} does not match the ClientHello length {body_len}"
        )
    seen: set[int] = set()
    while r.pos < end:
        ext_type = r.u16("extension type")
        ext_len = r.u16("extension length")
        if r.pos + ext_len > end:
            raise MalformedPacket(f"extension {ext_type} length {ext_len} overruns the extensions")
        if ext_type in seen:
            raise MalformedPacket(f"extension {ext_type} appears twice")
        seen.add(ext_type)
        if ext_type != _EXT_SERVER_NAME:
            r.skip(ext_len, f"extension {ext_type}")
            continue
        sn = _Reader(hs, r.pos, r.pos + ext_len, more)
        list_len = sn.u16("server_name_list length")
        if list_len != ext_len - 2:
            raise MalformedPacket(
                f"server_name_list length {list_len} does not match the extension length {ext_len}"
            )
        name = None
        while sn.pos < sn.limit:
            name_type = sn.u8("server name type")
            name_len = sn.u16("server name length")
            sn.need(name_len, "server name")
            raw = hs[sn.pos : sn.pos + name_len]
            sn.pos += name_len
            if name_type == 0 and name is None:
                if not raw:
                    raise MalformedPacket("server name is empty")
                try:
                    name = raw.decode("ascii")
                except UnicodeDecodeError:
                    raise MalformedPacket(f"server name {raw!r} is not ASCII") from None
        if name is None:
            raise MalformedPacket("server_name extension holds no host_name entry")
        return name
    return None


# -- HTTP: the Host header of a request --------------------------------------------------
_HTTP_METHODS = (b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"PATCH", b"CONNECT")


def extract_host(data: bytes) -> str | None:
    """Return the ``Host`` header of the plaintext HTTP/1.x request at the start of ``data``.

    Returns None when the request has no Host header. Raises :class:`Incomplete` when the
    header block has not ended yet, and :class:`MalformedPacket` when the bytes are not an
    HTTP request. This is what an HTTP filter reads (lesson 02's block pages).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedPacket(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise Incomplete("no bytes yet")
    first_space = data.find(b" ", 0, 16)
    method = data[:first_space] if first_space > 0 else data[:16]
    if first_space < 0:
        if any(m.startswith(method) for m in _HTTP_METHODS):
            raise Incomplete("need more bytes to read the request method")
        raise MalformedPacket(f"{data[:16]!r} does not start with an HTTP method")
    if method not in _HTTP_METHODS:
        raise MalformedPacket(f"{method!r} is not an HTTP method")
    end = data.find(b"\r\n\r\n")
    if end < 0:
        if len(data) > 64 * 1024:
            raise MalformedPacket("HTTP header block exceeds 64 KiB without ending")
        raise Incomplete("the HTTP header block has not ended yet")
    lines = data[:end].split(b"\r\n")
    if not lines[0].rstrip().endswith((b"HTTP/1.1", b"HTTP/1.0")):
        raise MalformedPacket(f"request line {lines[0][:80]!r} does not end with HTTP/1.x")
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            raise MalformedPacket(f"header line {line[:80]!r} has no colon")
        if name.strip().lower() == b"host":
            try:
                host = value.strip().decode("ascii")
            except UnicodeDecodeError:
                raise MalformedPacket(f"Host header {value[:80]!r} is not ASCII") from None
            if host.startswith("["):  # an IPv6 literal with a port
                return host.split("]")[0] + "]"
            return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return None


# -- Describing packets --------------------------------------------------------------------
_TLS_HANDSHAKE_NAMES = {
    1: "ClientHello",
    2: "ServerHello",
    4: "NewSessionTicket",
    11: "Certificate",
    12: "ServerKeyExchange",
    14: "ServerHelloDone",
    16: "ClientKeyExchange",
    20: "Finished",
}


def describe(packet: Packet) -> str:
    """A human description of a packet: ``"TCP SYN"``, ``"TLS ClientHello (SNI x)"``, ..."""
    if packet.proto == "udp":
        if 53 in (packet.sport, packet.dport):
            try:
                return dns_summary(parse_dns(packet.payload))
            except MalformedPacket:
                return f"UDP {len(packet.payload)} bytes (not DNS)"
        return f"UDP {len(packet.payload)} bytes"
    flags = packet.flags
    if "R" in flags:
        return "TCP RST"
    if "S" in flags:
        return "TCP SYN-ACK" if "A" in flags else "TCP SYN"
    payload = packet.payload
    fin = " + FIN" if "F" in flags else ""
    if not payload:
        return "TCP FIN" if "F" in flags else "TCP ACK"
    return _describe_payload(payload) + fin


def _describe_payload(payload: bytes) -> str:
    first = payload[0]
    if first == _TLS_HANDSHAKE and len(payload) >= 6 and payload[1] == 3:
        kind = _TLS_HANDSHAKE_NAMES.get(payload[5], f"handshake type {payload[5]}")
        if payload[5] == _CLIENT_HELLO:
            try:
                sni = extract_sni(payload)
            except Incomplete:
                return "TLS ClientHello (first part)"
            except MalformedPacket:
                return "TLS ClientHello (malformed)"
            return f"TLS ClientHello (SNI {sni})" if sni else "TLS ClientHello (no SNI)"
        if payload[5] == 2:
            return "TLS ServerHello, encrypted handshake"
        return f"TLS {kind}"
    if first == 0x17 and len(payload) >= 5 and payload[1] == 3:
        return f"TLS application data ({len(payload)} bytes)"
    if first == 0x14 and len(payload) >= 5 and payload[1] == 3:
        return "TLS ChangeCipherSpec, encrypted data"
    if first == 0x15 and len(payload) >= 5 and payload[1] == 3:
        return "TLS alert"
    if payload.startswith(b"HTTP/1."):
        status = payload.split(b"\r\n", 1)[0].decode("latin-1")
        return f"HTTP {status[9:]}"
    line = payload.split(b"\r\n", 1)[0]
    if line.split(b" ", 1)[0] in _HTTP_METHODS:
        text = f"HTTP {line.decode('latin-1')[:60]}"
        try:
            host = extract_host(payload)
        except ValueError:
            host = None
        return f"{text} (Host {host})" if host else text
    return f"TCP data ({len(payload)} bytes)"


# -- pcap --------------------------------------------------------------------------------
_LINKTYPE_RAW = 101  # raw IPv4/IPv6, no link layer: no MAC address is ever invented


def write_pcap(path: str | Path, records: Iterable[tuple[float, bytes]]) -> Path:
    """Write ``(timestamp, ip_bytes)`` records to a raw-IP pcap file; return the path."""
    path = Path(path)
    with path.open("wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, _LINKTYPE_RAW))
        for timestamp, data in records:
            micros = round(timestamp * 1_000_000)
            sec, usec = divmod(micros, 1_000_000)
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
            f.write(data)
    return path

"""IP packets carrying TCP, UDP or ICMP, as real bytes (lessons 01 and 03).

Theory of operation
-------------------
:class:`Packet` is one IP datagram as the simulator moves it: addresses (``ipaddress``
objects, IPv4 or IPv6), ports, TCP flags, sequence and acknowledgement numbers, the TTL
(IPv6 calls it the hop limit), and the payload bytes. It is a frozen dataclass;
:meth:`Packet.to_bytes` serialises it to real IPv4/IPv6 headers and TCP/UDP/ICMP headers
with correct checksums, and :meth:`Packet.from_bytes` reads such bytes back.

ICMP is what routers say about packets they cannot deliver. Every router decrements the
TTL of a packet it forwards; when the TTL reaches zero the router drops the packet and
sends its source an ICMP *time exceeded* message quoting the start of the dropped packet
(RFC 792, RFC 1812 section 4.3.2.3; for IPv6 RFC 4443). Traceroute, and researchers who
locate censorship devices (CenTrace, 2022), send packets with growing TTLs and read who
answers. :func:`icmp_error` builds such messages; :meth:`Packet.quoted` reads the packet
an ICMP error quotes.

Every field is checked against its wire range where the packet is made, so a packet that
exists can always be written to bytes (and to a pcap). The constructor has a fast path for
what the simulator itself builds; anything else gets the full checks and an error message
that names the bad value. scapy is imported lazily, only by :meth:`Packet.to_scapy`, to
display and cross-check packets; nothing here performs I/O.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

from censorsim.wire.errors import MalformedPacket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

__all__ = ["Packet", "IPAddress", "TCP_FLAGS", "PROTOCOLS", "icmp_error", "ICMP_KINDS"]

PROTOCOLS = ("tcp", "udp", "icmp")
# TCP flags in the order scapy and tcpdump print them.
TCP_FLAGS = "FSRPAUEC"
_FLAG_BITS = {flag: 1 << i for i, flag in enumerate(TCP_FLAGS)}
_ADDRESS_TYPES = (ipaddress.IPv4Address, ipaddress.IPv6Address)
# every flag combination written in canonical order, for the constructor's fast path
_CANONICAL = frozenset(
    "".join(f for i, f in enumerate(TCP_FLAGS) if mask >> i & 1) for mask in range(256)
)
_PROTO_NUMBERS = {"tcp": 6, "udp": 17}

# ICMP messages the simulator sends, by name: (IPv4 type, code), (ICMPv6 type, code).
ICMP_KINDS = {
    "time-exceeded": ((11, 0), (3, 0)),  # RFC 792 / RFC 4443 3.3: TTL (hop limit) exceeded
    "port-unreachable": ((3, 3), (1, 4)),  # nothing listens on that UDP port
    "host-unreachable": ((3, 1), (1, 3)),  # no route to, or no host at, the address
    "admin-prohibited": ((3, 13), (1, 1)),  # a filter refuses it (RFC 1812 5.2.7.1)
}
_ICMP_NAMES = {
    (v, tc): name for name, pair in ICMP_KINDS.items() for v, tc in zip((4, 6), pair, strict=True)
}
_ICMP_OTHER = {(4, 0): "echo-reply", (4, 8): "echo-request", (6, 128): "echo-request"}
_ICMP_OTHER[(6, 129)] = "echo-reply"


def _canonical_flags(flags: str) -> str:
    bad = set(flags) - set(TCP_FLAGS)
    if bad:
        raise ValueError(
            f"TCP flags {flags!r} contain {''.join(sorted(bad))!r}: expected letters from "
            f"{TCP_FLAGS!r} (F=FIN S=SYN R=RST P=PSH A=ACK)"
        )
    return "".join(f for f in TCP_FLAGS if f in flags)


def _as_address(value: object, what: str) -> IPAddress:
    if isinstance(value, _ADDRESS_TYPES):
        return value
    try:
        return ipaddress.ip_address(value)  # type: ignore[arg-type]
    except ValueError:
        raise ValueError(f"{what} {value!r} is not an IPv4 or IPv6 address") from None


def _check_int(name: str, value: object, low: int, high: int, what: str) -> None:
    if type(value) is not int or not low <= value <= high:
        raise ValueError(f"{name} {value!r} is not {what} ({low} to {high})")


@dataclass(frozen=True, slots=True, repr=False)
class Packet:
    """One IP packet carrying TCP, UDP or ICMP, as the simulator moves it (lesson 01).

    ``flags`` uses scapy's letters in canonical order: ``"S"`` (SYN), ``"SA"``
    (SYN-ACK), ``"PA"`` (data), ``"FA"`` (FIN), ``"R"``/``"RA"`` (reset). ``mss`` is the
    TCP maximum segment size option, which real stacks put on SYN and SYN-ACK. ``ident``
    is the IPv4 identification field (always 0 for IPv6, which has none). ``ttl`` is the
    IPv4 time to live or the IPv6 hop limit. ICMP packets (``proto="icmp"``) have no ports
    (0) and carry ``icmp_type`` and ``icmp_code`` of their IP version (ICMP for IPv4,
    ICMPv6 for IPv6); their payload is what follows the 8-byte ICMP header.
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
    icmp_type: int = 0
    icmp_code: int = 0

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
            and type(self.seq) is int
            and type(self.ack) is int
            and 0 <= self.seq < 4294967296
            and 0 <= self.ack < 4294967296
            and type(self.window) is int
            and 0 <= self.window <= 65535
            and type(self.ttl) is int
            and 0 <= self.ttl <= 255
            and type(self.ident) is int
            and 0 <= self.ident <= 65535
            and (self.mss is None or (type(self.mss) is int and 0 <= self.mss <= 65535))
            and (
                (self.proto == "tcp" and self.flags in _CANONICAL)
                or (self.proto == "udp" and not self.flags)
            )
            and not self.icmp_type
            and not self.icmp_code
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
        if self.proto not in PROTOCOLS:
            raise ValueError(
                f"protocol {self.proto!r} is not supported: expected one of {PROTOCOLS}"
            )
        for name in ("sport", "dport"):
            _check_int(name, getattr(self, name), 0, 65535, "a port number")
        if self.proto == "icmp" and (self.sport or self.dport):
            raise ValueError(
                f"an ICMP packet has no ports, got sport={self.sport!r} dport={self.dport!r}"
            )
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
            _check_int(name, getattr(self, name), 0, 2**32 - 1, "a 32-bit sequence number")
        _check_int("window", self.window, 0, 65535, "a TCP window (no window scaling)")
        _check_int("ttl", self.ttl, 0, 255, "an IP time to live")
        _check_int("ident", self.ident, 0, 65535, "an IPv4 identification")
        if self.mss is not None:
            _check_int("mss", self.mss, 0, 65535, "a TCP maximum segment size")
        for name in ("icmp_type", "icmp_code"):
            value = getattr(self, name)
            _check_int(name, value, 0, 255, "an ICMP type or code")
            if value and self.proto != "icmp":
                raise ValueError(f"{name}={value!r} given for a {self.proto} packet")
        if self.src.version == 6 and self.ident:
            object.__setattr__(self, "ident", 0)  # IPv6 headers have no identification field

    # -- reading -----------------------------------------------------------------------
    @property
    def version(self) -> int:
        """4 or 6."""
        return self.src.version

    @property
    def icmp_kind(self) -> str | None:
        """For ICMP: ``"time-exceeded"``, ``"port-unreachable"``... (see ICMP_KINDS)."""
        if self.proto != "icmp":
            return None
        key = (self.version, (self.icmp_type, self.icmp_code))
        name = _ICMP_NAMES.get(key) or _ICMP_OTHER.get((self.version, self.icmp_type))
        return name or f"type {self.icmp_type} code {self.icmp_code}"

    def quoted(self) -> Packet | None:
        """The packet an ICMP error message quotes (truncated as quoted), or None."""
        if self.proto != "icmp" or self.icmp_kind not in ICMP_KINDS:
            return None
        try:
            return _parse_ip(self.payload, truncated=True)
        except (MalformedPacket, struct.error, IndexError, ValueError):
            return None

    def reply(self, **changes) -> Packet:
        """A packet in the opposite direction of the same flow (addresses and ports swapped)."""
        fields = dict(
            src=self.dst, dst=self.src, proto=self.proto, sport=self.dport, dport=self.sport
        )
        fields.update(changes)
        return Packet(**fields)

    def summary(self) -> str:
        """One line saying what the packet is, in the words of lesson 01."""
        from censorsim.wire.describe import describe

        return describe(self)

    def __repr__(self) -> str:
        if self.proto == "icmp":
            return f"<Packet icmp {self.src} > {self.dst} {self.icmp_kind} len={len(self.payload)}>"
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
        """The packet as real IP bytes: header, TCP/UDP/ICMP header, payload; checksums set."""
        v6 = self.version == 6
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
            proto_number, checksum_at, pseudo_header = 6, 16, True
        elif self.proto == "udp":
            l4 = struct.pack("!HHHH", self.sport, self.dport, 8 + len(self.payload), 0)
            l4 += self.payload
            proto_number, checksum_at, pseudo_header = 17, 6, True
        else:
            l4 = struct.pack("!BBHI", self.icmp_type, self.icmp_code, 0, 0) + self.payload
            # ICMPv6 covers a pseudo-header (RFC 4443 2.3); ICMP for IPv4 does not
            proto_number, checksum_at, pseudo_header = (58 if v6 else 1), 2, v6
        if pseudo_header:
            if v6:
                pseudo = (
                    self.src.packed + self.dst.packed + struct.pack("!IxxxB", len(l4), proto_number)
                )
            else:
                pseudo = (
                    self.src.packed
                    + self.dst.packed
                    + struct.pack("!BBH", 0, proto_number, len(l4))
                )
            checksum = _internet_checksum(pseudo + l4)
        else:
            checksum = _internet_checksum(l4)
        if proto_number == 17 and checksum == 0:
            checksum = 0xFFFF
        l4 = l4[:checksum_at] + struct.pack("!H", checksum) + l4[checksum_at + 2 :]
        if not v6:
            if 20 + len(l4) > 65535:
                raise ValueError(f"{20 + len(l4)} bytes do not fit one IPv4 packet (65535)")
            header = struct.pack(
                "!BBHHHBBH4s4s",
                0x45,
                0,
                20 + len(l4),
                self.ident,
                0x4000,  # don't fragment
                self.ttl,
                proto_number,
                0,
                self.src.packed,
                self.dst.packed,
            )
            header = header[:10] + struct.pack("!H", _internet_checksum(header)) + header[12:]
        else:
            if len(l4) > 65535:
                raise ValueError(f"{len(l4)} bytes do not fit one IPv6 payload (65535)")
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
        """Read raw IPv4 or IPv6 bytes carrying TCP, UDP or ICMP (the inverse of
        :meth:`to_bytes`)."""
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


# RFC 1812 4.3.2.3: quote as much of the original as fits a 576-byte IPv4 datagram;
# RFC 4443 2.4(c): as much as fits the IPv6 minimum MTU of 1280 bytes.
_QUOTE_LIMIT = {4: 576 - 20 - 8, 6: 1280 - 40 - 8}


def icmp_error(kind: str, original: Packet, source: IPAddress, *, ident: int = 0) -> Packet:
    """The ICMP error ``kind`` (a key of :data:`ICMP_KINDS`) that ``source`` sends about
    ``original``, quoting its first bytes, addressed to ``original``'s source."""
    if kind not in ICMP_KINDS:
        raise ValueError(f"ICMP kind {kind!r} is not one of {sorted(ICMP_KINDS)}")
    v4, v6 = ICMP_KINDS[kind]
    icmp_type, code = v4 if original.version == 4 else v6
    quote = original.to_bytes()[: _QUOTE_LIMIT[original.version]]
    return Packet(
        _as_address(source, "ICMP source"),
        original.src,
        "icmp",
        0,
        0,
        quote,
        ident=ident if original.version == 4 else 0,
        icmp_type=icmp_type,
        icmp_code=code,
    )


def _parse_ip(data: bytes, truncated: bool = False) -> Packet:
    """Parse IP bytes; ``truncated`` reads a quote in an ICMP error, whose lengths may
    promise more than the quote holds."""
    if not data:
        raise MalformedPacket("0 bytes: not an IP packet")
    version = data[0] >> 4
    if version == 4:
        ihl = (data[0] & 0x0F) * 4
        if ihl < 20:
            raise MalformedPacket(f"IPv4 header length {ihl} is below the minimum of 20")
        total, ident, _frag, ttl, proto = struct.unpack("!2xHHHBB", data[:10])
        if truncated:
            total = min(total, len(data))
        if total > len(data) or total < ihl:
            raise MalformedPacket(f"IPv4 total length {total} does not fit {len(data)} bytes")
        src = ipaddress.IPv4Address(data[12:16])
        dst = ipaddress.IPv4Address(data[16:20])
        body = data[ihl:total]
        icmp = 1
    elif version == 6:
        if len(data) < 40:
            raise MalformedPacket(f"{len(data)} bytes are too short for an IPv6 header")
        plen, proto, ttl = struct.unpack("!HBB", data[4:8])
        if truncated:
            plen = min(plen, len(data) - 40)
        if 40 + plen > len(data):
            raise MalformedPacket(f"IPv6 payload length {plen} does not fit {len(data) - 40} bytes")
        src = ipaddress.IPv6Address(data[8:24])
        dst = ipaddress.IPv6Address(data[24:40])
        body = data[40 : 40 + plen]
        ident = 0
        icmp = 58
    else:
        raise MalformedPacket(f"IP version {version} is neither 4 nor 6")
    if proto == 6:
        if truncated and len(body) < 20:  # RFC 792 quotes only 8 bytes: ports and seq
            sport, dport, seq = struct.unpack("!HHI", body[:8])
            return Packet(src, dst, "tcp", sport, dport, b"", "", seq, ttl=ttl, ident=ident)
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
        if truncated:
            length = min(length, len(body))
        if length < 8 or length > len(body):
            raise MalformedPacket(f"UDP length {length} does not fit {len(body)} bytes")
        return Packet(src, dst, "udp", sport, dport, bytes(body[8:length]), ttl=ttl, ident=ident)
    if proto == icmp:
        if len(body) < 8:
            raise MalformedPacket(f"{len(body)} bytes are too short for an ICMP header")
        icmp_type, code = body[0], body[1]
        return Packet(
            src, dst, "icmp", 0, 0, bytes(body[8:]), ttl=ttl, ident=ident,
            icmp_type=icmp_type, icmp_code=code,
        )  # fmt: skip
    raise MalformedPacket(f"IP protocol {proto} is not TCP (6), UDP (17) or ICMP")

"""The ClientHello inside a QUIC Initial packet, read the way a censor reads it (lesson 04).

Theory of operation
-------------------
QUIC (RFC 9000) carries the TLS 1.3 handshake in CRYPTO frames inside UDP datagrams. The
client's first packets, the *Initial* packets, are encrypted, but with keys that anyone can
derive from the packet itself (RFC 9001 section 5.2): HKDF-Extract over the packet's
Destination Connection ID with a salt fixed by the QUIC version, then HKDF-Expand-Label
with the labels ``"client in"``, ``"quic key"``, ``"quic iv"`` and ``"quic hp"``. The
encryption protects the handshake against tampering by off-path attackers, not against
reading: an on-path censor derives the same keys and reads the server name, as it does
over TCP. Russia's TSPU filtered QUIC by SNI by July 2023, and China's firewall has
decrypted Initials to block domains since 7 April 2024 (Zohaib, Zao et al., USENIX
Security 2025; case-facts section 7.1). :func:`quic_initial_keys` computes those keys.

Reading a client's Initial takes five steps, each a function below:

1. parse the long header (RFC 9000 section 17.2): first byte, version, Destination and
   Source Connection IDs, token, and the Length of the rest of the packet;
2. derive the Initial keys from the Destination Connection ID of the client's first
   packet (RFC 9001 5.2; QUIC version 2, RFC 9369 section 3.3, uses another salt and
   ``"quicv2 "`` labels);
3. remove header protection (RFC 9001 5.4): AES-ECB of a 16-byte sample of the ciphertext
   gives a mask for the low bits of the first byte and for the packet number;
4. decrypt the payload with AES-128-GCM (RFC 9001 5.3): the nonce is the IV XOR the
   packet number, the associated data the unprotected header;
5. walk the frames. An Initial packet may only carry PADDING, PING, ACK, CRYPTO and
   CONNECTION_CLOSE (RFC 9000 section 12.4, table 3); anything else is malformed. The
   CRYPTO frames are pieces of one byte stream, placed by their offsets, in any order, in
   one packet or in several: a ClientHello larger than a datagram (many ALPN values, a
   post-quantum key share: X25519MLKEM768's is 1216 bytes, draft-ietf-tls-ecdhe-mlkem)
   spans several Initial packets, coalesced in one
   datagram (RFC 9000 12.2) or sent in several datagrams.

This is a thorough censor's parser: it also reads QUIC v2, CRYPTO frames out of order or
mixed with PING and PADDING, and hellos split over packets, which the measurements of
2024-25 found China's firewall did not block (case-facts 7.1): a lesson can compare the
two.

The stream then holds the ClientHello as a bare handshake message (QUIC has no TLS
records); :func:`~censorsim.wire.parse_client_hello` and
:func:`~censorsim.wire.extract_sni` read it once it is framed as records, so the TCP and
the QUIC filters share one ClientHello parser.

Several datagrams are read by passing them all: ``extract_quic_sni(first, second)``. The
functions keep no state between calls, so a censor keeps the datagrams of a flow (on the
flow, not on the rule) and reads them again when one more arrives; a hello takes one to
three datagrams, so reading them again costs little.

The contract is :func:`~censorsim.wire.extract_sni`'s. :class:`Incomplete`: the bytes are
a valid beginning that needs more: a datagram cut inside a packet (UDP never cuts
datagrams, but a capture with a short snap length does), or a CRYPTO stream that does not
yet hold the server name. :class:`MalformedPacket`: anything else: not a long-header
packet, a version whose keys are unknown, a packet that does not decrypt (it is not a
client's Initial, or it was altered), reserved bits set, a frame that is not allowed or
overruns its packet, CRYPTO pieces that disagree. Packets after the first in a datagram
are treated as a server treats them: those of another connection or of another type
(0-RTT, Handshake), and those that do not decrypt, are skipped and counted, not fatal.

Not checked, because a censor does not need them to read the name: the 1200-byte minimum
of a client's Initial datagram (RFC 9000 14.1: a server drops smaller ones), the 8-byte
minimum of the client's first Destination Connection ID (RFC 9000 7.2), and the
``quic_transport_parameters`` extension that a QUIC ClientHello must carry (RFC 9001 8.2).

:func:`build_quic_initial` goes the other way: it wraps a ClientHello in client Initial
packets, deterministically (the connection IDs are the caller's), so that lessons and
graded labs can make QUIC hellos from a seed. The QUIC endpoints of the simulator use
``aioquic``; the tests check this module against aioquic, RFC 9001 Appendix A and tshark.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from censorsim.wire.errors import Incomplete, MalformedPacket
from censorsim.wire.tls import ClientHello, extract_sni, parse_client_hello

__all__ = [
    "QUIC_V1",
    "QUIC_V2",
    "QuicFrame",
    "QuicPacket",
    "QuicInitial",
    "QuicKeys",
    "quic_initial_keys",
    "parse_quic_initial",
    "extract_quic_sni",
    "build_quic_initial",
]

QUIC_V1 = 0x00000001  #: RFC 9000
QUIC_V2 = 0x6B3343CF  #: RFC 9369


@dataclass(frozen=True, slots=True)
class _Version:
    name: str
    salt: bytes  # RFC 9001 5.2 / RFC 9369 3.3.1
    label: bytes  # prefix of the key, iv and hp labels (RFC 9369 3.3.2)
    initial_type: int  # the long packet type bits of an Initial (RFC 9369 3.2)


_VERSIONS = {
    QUIC_V1: _Version("v1", bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"), b"quic ", 0),
    QUIC_V2: _Version(
        "v2", bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9"), b"quicv2 ", 1
    ),
}
_TYPE_NAMES = {
    QUIC_V1: {0: "Initial", 1: "0-RTT", 2: "Handshake", 3: "Retry"},
    QUIC_V2: {1: "Initial", 2: "0-RTT", 3: "Handshake", 0: "Retry"},
}
_MAX_CID = 20  # RFC 9000 17.2: a version 1 connection ID has at most 20 bytes
_SAMPLE = 16  # RFC 9001 5.4.2: header protection samples 16 bytes
_TAG = 16  # the AES-128-GCM tag
_MAX_STREAM = 2**62 - 1  # RFC 9000 19.6: the largest CRYPTO offset
_RECORD = 2**14  # TLS's largest record: the unit the ClientHello parser reads

# Frame types by number (RFC 9000 section 19, RFC 9221), for the errors that name them.
_FRAME_NAMES = {
    0x00: "PADDING",
    0x01: "PING",
    0x02: "ACK",
    0x03: "ACK",
    0x04: "RESET_STREAM",
    0x05: "STOP_SENDING",
    0x06: "CRYPTO",
    0x07: "NEW_TOKEN",
    **{t: "STREAM" for t in range(0x08, 0x10)},
    0x10: "MAX_DATA",
    0x11: "MAX_STREAM_DATA",
    0x12: "MAX_STREAMS",
    0x13: "MAX_STREAMS",
    0x14: "DATA_BLOCKED",
    0x15: "STREAM_DATA_BLOCKED",
    0x16: "STREAMS_BLOCKED",
    0x17: "STREAMS_BLOCKED",
    0x18: "NEW_CONNECTION_ID",
    0x19: "RETIRE_CONNECTION_ID",
    0x1A: "PATH_CHALLENGE",
    0x1B: "PATH_RESPONSE",
    0x1C: "CONNECTION_CLOSE",
    0x1D: "CONNECTION_CLOSE",
    0x1E: "HANDSHAKE_DONE",
    0x30: "DATAGRAM",
    0x31: "DATAGRAM",
}
_NONZERO = re.compile(rb"[^\x00]")


# -- what a lesson shows -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class QuicFrame:
    """One frame of a decrypted Initial packet.

    ``kind`` is the frame's name (``"CRYPTO"``, ``"PADDING"``, ``"PING"``, ``"ACK"``,
    ``"CONNECTION_CLOSE"``); for CRYPTO, ``offset`` is where its data goes in the handshake
    stream and ``length`` how many bytes it holds; for PADDING, ``length`` is the run of
    zero bytes (one frame each); for the others, the frame's size in bytes.
    """

    kind: str
    offset: int = 0
    length: int = 0

    def __repr__(self) -> str:
        if self.kind == "CRYPTO":
            return f"CRYPTO[{self.offset}:{self.offset + self.length}]"
        if self.kind == "PADDING":
            return f"PADDING x{self.length}"
        return self.kind


@dataclass(frozen=True, slots=True)
class QuicPacket:
    """One client Initial packet after header protection and encryption are removed.

    ``header`` is the unprotected header (the AEAD's associated data), ``payload`` the
    decrypted frames, ``frames`` what they are, ``size`` the packet's bytes on the wire.
    """

    version: int
    dcid: bytes
    scid: bytes
    token: bytes
    packet_number: int
    header: bytes
    payload: bytes
    frames: tuple[QuicFrame, ...]
    size: int

    def __repr__(self) -> str:
        return (
            f"<QuicPacket {_VERSIONS[self.version].name} Initial pn={self.packet_number} "
            f"DCID={self.dcid.hex()} {self.size} bytes: "
            f"{', '.join(map(repr, self.frames))}>"
        )


@dataclass(frozen=True, slots=True)
class QuicInitial:
    """What the client's Initial packets of one connection reveal once decrypted.

    ``dcid`` is the Destination Connection ID the keys were derived from (the client's
    first); ``packets`` the Initial packets read, in order; ``crypto`` the handshake
    stream from offset 0 up to its first gap (the ClientHello, or its beginning);
    ``skipped`` the bytes of other packets that shared the datagrams (0-RTT, Handshake,
    another connection's, undecryptable) and were not read.
    """

    version: int
    dcid: bytes
    scid: bytes
    packets: tuple[QuicPacket, ...]
    crypto: bytes
    skipped: int = 0

    def client_hello(self) -> ClientHello:
        """The ClientHello in the CRYPTO stream (raises ``Incomplete`` while it is partial)."""
        if not self.crypto:
            raise Incomplete(_no_start(self.packets))
        return parse_client_hello(_as_records(self.crypto))

    @property
    def sni(self) -> str | None:
        """The server name, as :func:`extract_quic_sni` reads it."""
        if not self.crypto:
            raise Incomplete(_no_start(self.packets))
        return extract_sni(_as_records(self.crypto))

    def __repr__(self) -> str:
        return (
            f"<QuicInitial {_VERSIONS[self.version].name} DCID={self.dcid.hex()} "
            f"{len(self.packets)} packet{'s' if len(self.packets) != 1 else ''}, "
            f"CRYPTO bytes 0..{len(self.crypto)}>"
        )


# -- keys (RFC 9001 section 5) ---------------------------------------------------------------
def _expand_label(secret: bytes, label: bytes, length: int) -> bytes:
    """TLS 1.3's HKDF-Expand-Label with an empty context (RFC 8446 7.1), for length <= 32."""
    info = length.to_bytes(2, "big") + bytes([6 + len(label)]) + b"tls13 " + label + b"\x00"
    return hmac.digest(secret, info + b"\x01", "sha256")[:length]


@dataclass(frozen=True, slots=True)
class QuicKeys:
    """The Initial secret and keys of one side of a connection (RFC 9001 section 5.2).

    Anyone who sees the client's first Destination Connection ID can compute them: they
    protect against off-path tampering, not against reading. ``key`` and ``iv`` drive
    AES-128-GCM, ``hp`` header protection.
    """

    secret: bytes
    key: bytes
    iv: bytes
    hp: bytes

    def __repr__(self) -> str:
        return f"<QuicKeys key={self.key.hex()} iv={self.iv.hex()} hp={self.hp.hex()}>"


def quic_initial_keys(dcid: bytes, version: int = QUIC_V1, *, server: bool = False) -> QuicKeys:
    """The client's (or with ``server=True`` the server's) Initial keys for ``dcid``.

    ``dcid`` is the Destination Connection ID of the client's first Initial packet;
    ``version`` QUIC v1 or v2 (they differ in salt and labels).
    """
    if not isinstance(dcid, bytes | bytearray) or len(dcid) > _MAX_CID:
        raise ValueError(f"dcid must be at most {_MAX_CID} bytes, got {dcid!r:.60}")
    if version not in _VERSIONS:
        raise ValueError(f"version 0x{version:08x} is not QUIC v1 (0x1) or v2 (0x6b3343cf)")
    v = _VERSIONS[version]
    initial_secret = hmac.digest(v.salt, bytes(dcid), "sha256")  # HKDF-Extract
    secret = _expand_label(initial_secret, b"server in" if server else b"client in", 32)
    return QuicKeys(
        secret=secret,
        key=_expand_label(secret, v.label + b"key", 16),
        iv=_expand_label(secret, v.label + b"iv", 12),
        hp=_expand_label(secret, v.label + b"hp", 16),
    )


class _Keys:
    """The client's Initial keys of one connection, ready to use."""

    __slots__ = ("version", "dcid", "aead", "iv", "hp")

    def __init__(self, version: int, dcid: bytes):
        keys = quic_initial_keys(dcid, version)
        self.version, self.dcid = version, dcid
        self.aead = AESGCM(keys.key)
        self.iv = int.from_bytes(keys.iv, "big")
        self.hp = Cipher(algorithms.AES(keys.hp), modes.ECB())

    def mask(self, sample: bytes) -> bytes:
        return self.hp.encryptor().update(sample)


# -- reading ---------------------------------------------------------------------------------
def _varint(data: bytes, i: int, end: int, what: str) -> tuple[int, int]:
    """A QUIC variable-length integer (RFC 9000 16) at ``i``; past ``end`` is malformed."""
    if i >= end:
        raise MalformedPacket(f"{what} runs past the end of the packet")
    first = data[i]
    size = 1 << (first >> 6)
    if i + size > end:
        raise MalformedPacket(f"{what} runs past the end of the packet")
    value = first & 0x3F
    for k in range(i + 1, i + size):
        value = (value << 8) | data[k]
    return value, i + size


@dataclass(frozen=True, slots=True)
class _Header:
    version: int
    kind: str
    dcid: bytes
    scid: bytes
    token: bytes
    pn_offset: int
    end: int


def _header_varint(d: bytes, i: int, what: str) -> tuple[int, int]:
    """A varint of the long header, where running out of bytes means 'cut short'."""
    if i >= len(d):
        raise Incomplete(f"the datagram ends before the {what}")
    size = 1 << (d[i] >> 6)
    if i + size > len(d):
        raise Incomplete(f"the datagram ends inside the {what}")
    return _varint(d, i, i + size, what)


def _long_header(d: bytes, pos: int) -> _Header:
    """The long header at ``pos`` (RFC 9000 17.2), read up to the packet number."""
    n = len(d)
    first = d[pos]
    if not first & 0x80:
        raise MalformedPacket(
            f"first byte 0x{first:02x} starts a short-header (1-RTT) packet, not a client's "
            "Initial: its keys come from the handshake, not from the wire"
        )
    if pos + 5 > n:
        raise Incomplete("the datagram ends inside the QUIC version")
    version = int.from_bytes(d[pos + 1 : pos + 5], "big")
    if version == 0:
        raise MalformedPacket("version 0 is a Version Negotiation packet (a server's)")
    if version not in _VERSIONS:
        raise MalformedPacket(
            f"QUIC version 0x{version:08x} is not v1 (0x00000001) or v2 (0x6b3343cf): "
            "its Initial keys are unknown"
        )
    if not first & 0x40:
        raise MalformedPacket(f"first byte 0x{first:02x}: the fixed bit (0x40) is not set")
    kind = _TYPE_NAMES[version][(first >> 4) & 3]
    i = pos + 5
    cids = []
    for what in ("Destination", "Source"):
        if i >= n:
            raise Incomplete(f"the datagram ends before the {what} Connection ID length")
        length = d[i]
        if length > _MAX_CID:
            raise MalformedPacket(
                f"{what} Connection ID length {length} exceeds QUIC's maximum of {_MAX_CID}"
            )
        if i + 1 + length > n:
            raise Incomplete(f"the datagram ends inside the {what} Connection ID")
        cids.append(d[i + 1 : i + 1 + length])
        i += 1 + length
    token = b""
    if kind == "Retry":  # no Length field: a token and an integrity tag fill the datagram
        return _Header(version, kind, cids[0], cids[1], b"", n, n)
    if kind == "Initial":
        token_length, i = _header_varint(d, i, "token length")
        if i + token_length > n:
            raise Incomplete("the datagram ends inside the token")
        token = d[i : i + token_length]
        i += token_length
    length, i = _header_varint(d, i, "Length field")
    if length < 4 + _SAMPLE:
        raise MalformedPacket(
            f"packet Length {length} is too short to sample for header protection "
            f"(at least {4 + _SAMPLE} bytes)"
        )
    if i + length > n:
        raise Incomplete(
            f"the datagram ends inside the packet: it holds {n - i} of its {length} bytes"
        )
    return _Header(version, kind, cids[0], cids[1], token, i, i + length)


def _decode_packet_number(truncated: int, bits: int, expected: int) -> int:
    """The full packet number from its truncated encoding (RFC 9000 appendix A.3)."""
    window = 1 << bits
    half = window // 2
    candidate = (expected & ~(window - 1)) | truncated
    if candidate <= expected - half and candidate < (1 << 62) - window:
        return candidate + window
    if candidate > expected + half and candidate >= window:
        return candidate - window
    return candidate


def _decrypt(
    d: bytes, pos: int, h: _Header, keys: _Keys, expected: int
) -> tuple[bytes, bytes, int]:
    """Remove header protection and decrypt: (unprotected header, plaintext, number)."""
    pn_offset = h.pn_offset
    mask = keys.mask(d[pn_offset + 4 : pn_offset + 4 + _SAMPLE])
    first = d[pos] ^ (mask[0] & 0x0F)
    pn_length = (first & 0x03) + 1
    truncated = int.from_bytes(d[pn_offset : pn_offset + pn_length], "big") ^ int.from_bytes(
        mask[1 : 1 + pn_length], "big"
    )
    header = bytes([first]) + d[pos + 1 : pn_offset] + truncated.to_bytes(pn_length, "big")
    number = _decode_packet_number(truncated, 8 * pn_length, expected)
    nonce = (keys.iv ^ number).to_bytes(12, "big")
    try:
        plaintext = keys.aead.decrypt(nonce, d[pn_offset + pn_length : h.end], header)
    except InvalidTag:
        raise MalformedPacket(
            f"the packet does not decrypt with the Initial keys of DCID {keys.dcid.hex()}: "
            "it is not a client's Initial (a server's uses other keys), or it was altered"
        ) from None
    return header, plaintext, number


def _frames(p: bytes, pieces: list[tuple[int, bytes]]) -> tuple[QuicFrame, ...]:
    """The frames of a decrypted Initial; CRYPTO data goes to ``pieces``."""
    out = []
    i, n = 0, len(p)
    while i < n:
        t = p[i]
        if t == 0x00:
            if p.count(0, i) == n - i:  # the usual case: padding fills the packet
                j = n
            else:
                m = _NONZERO.search(p, i)
                j = m.start() if m else n
            out.append(QuicFrame("PADDING", length=j - i))
            i = j
        elif t == 0x06:
            offset, j = _varint(p, i + 1, n, "CRYPTO offset")
            length, j = _varint(p, j, n, "CRYPTO length")
            if j + length > n:
                raise MalformedPacket(
                    f"CRYPTO frame of {length} bytes overruns its packet ({n - j} left)"
                )
            if offset + length > _MAX_STREAM:
                raise MalformedPacket(f"CRYPTO data ends past 2^62-1 (offset {offset})")
            pieces.append((offset, p[j : j + length]))
            out.append(QuicFrame("CRYPTO", offset, length))
            i = j + length
        elif t == 0x01:
            out.append(QuicFrame("PING", length=1))
            i += 1
        elif t in (0x02, 0x03):
            j = i + 1
            for field in ("Largest Acknowledged", "ACK Delay"):
                _, j = _varint(p, j, n, f"ACK {field}")
            count, j = _varint(p, j, n, "ACK Range Count")
            _, j = _varint(p, j, n, "ACK First Range")
            if count > (n - j) // 2:  # each range takes at least two bytes
                raise MalformedPacket(f"ACK Range Count {count} overruns its packet")
            for _ in range(2 * count + (3 if t == 0x03 else 0)):  # gaps, lengths, ECN
                _, j = _varint(p, j, n, "ACK range")
            out.append(QuicFrame("ACK", length=j - i))
            i = j
        elif t == 0x1C:
            _, j = _varint(p, i + 1, n, "CONNECTION_CLOSE error code")
            _, j = _varint(p, j, n, "CONNECTION_CLOSE frame type")
            reason, j = _varint(p, j, n, "CONNECTION_CLOSE reason length")
            if j + reason > n:
                raise MalformedPacket("CONNECTION_CLOSE reason phrase overruns its packet")
            out.append(QuicFrame("CONNECTION_CLOSE", length=j + reason - i))
            i = j + reason
        elif t >= 0x40:
            raise MalformedPacket(
                f"frame type starting 0x{t:02x} is not allowed in an Initial packet "
                "(RFC 9000 section 12.4: PADDING, PING, ACK, CRYPTO, CONNECTION_CLOSE)"
            )
        else:
            raise MalformedPacket(
                f"frame type 0x{t:02x} ({_FRAME_NAMES.get(t, 'unknown')}) is not allowed in "
                "an Initial packet (RFC 9000 section 12.4: PADDING, PING, ACK, CRYPTO, "
                "CONNECTION_CLOSE)"
            )
    return tuple(out)


def _stream(pieces: list[tuple[int, bytes]]) -> bytes:
    """The CRYPTO stream from offset 0 up to its first gap; overlaps must agree."""
    buf = bytearray()
    for offset, data in sorted(pieces, key=lambda piece: piece[0]):
        if offset > len(buf):
            break
        have = len(buf) - offset
        if buf[offset : offset + len(data)] != data[:have]:
            raise MalformedPacket(
                f"CRYPTO data at offset {offset} differs from the data already received "
                "for the same bytes"
            )
        if len(data) > have:
            buf += data[have:]
    return bytes(buf)


def _as_records(handshake: bytes) -> bytes:
    """A bare handshake stream framed as TLS records, as the ClientHello parser reads it."""
    return b"".join(
        b"\x16\x03\x01" + len(chunk).to_bytes(2, "big") + chunk
        for chunk in (handshake[i : i + _RECORD] for i in range(0, len(handshake), _RECORD))
    )


def _no_start(packets: tuple[QuicPacket, ...]) -> str:
    if any(f.kind == "CRYPTO" for p in packets for f in p.frames):
        return "the CRYPTO stream does not start at offset 0 yet: its first bytes are missing"
    return "no CRYPTO data yet"


def _check_datagram(value: object, index: int) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise MalformedPacket(f"datagram {index}: expected bytes, got {type(value).__name__}")
    data = bytes(value)
    if not data:
        raise Incomplete(f"datagram {index} is empty: no bytes yet")
    return data


def parse_quic_initial(*datagrams: bytes) -> QuicInitial:
    """Decrypt the client's Initial packets in ``datagrams`` (UDP payloads, in order).

    Returns a :class:`QuicInitial`: header fields, each decrypted packet with its frames,
    and the CRYPTO stream reassembled by offset. The keys come from the Destination
    Connection ID of the first packet of the first datagram. The first packet of every
    datagram must be a client Initial of the same version that decrypts with them; the
    packets coalesced after it are read when they are such Initials and skipped otherwise.
    Raises :class:`Incomplete` when a datagram is cut inside its first packet, and
    :class:`MalformedPacket` for anything that is not a client's Initial (module docstring).
    """
    if not datagrams:
        raise Incomplete("no datagram yet")
    keys: _Keys | None = None
    scid = b""
    packets: list[QuicPacket] = []
    pieces: list[tuple[int, bytes]] = []
    skipped = 0
    largest = -1
    for index, value in enumerate(datagrams):
        d = _check_datagram(value, index)
        pos, first_dcid = 0, None
        while pos < len(d):
            first = first_dcid is None
            h = None
            try:
                h = _long_header(d, pos)
                if h.kind != "Initial":
                    raise MalformedPacket(
                        f"a {h.kind} packet, not an Initial: its keys are not on the wire"
                    )
                if keys is None:
                    keys, scid = _Keys(h.version, h.dcid), h.scid
                elif h.version != keys.version:
                    raise MalformedPacket(
                        f"QUIC version 0x{h.version:08x} differs from the connection's "
                        f"0x{keys.version:08x}"
                    )
                if not first and h.dcid != first_dcid:
                    raise MalformedPacket("another connection's packet (RFC 9000 12.2)")
                header, plaintext, number = _decrypt(d, pos, h, keys, largest + 1)
            except (Incomplete, MalformedPacket) as exc:
                if first:
                    where = f"datagram {index}" if len(datagrams) > 1 else "the datagram"
                    raise type(exc)(f"{where}: {exc}") from None
                # What follows the first packet is read as a server reads it: a packet it
                # cannot use is dropped, and one it cannot delimit ends the datagram.
                end = len(d) if h is None or isinstance(exc, Incomplete) else h.end
                skipped += end - pos
                pos = end
                continue
            # the packet decrypted: it is the client's, and what it says must be right
            if header[0] & 0x0C:
                raise MalformedPacket(
                    f"reserved bits 0x{header[0] & 0x0C:02x} of the first byte are set "
                    "(RFC 9000 17.2)"
                )
            if not plaintext:
                raise MalformedPacket("an Initial packet holds no frame (RFC 9000 12.4)")
            if first:
                first_dcid = h.dcid
            largest = max(largest, number)
            packets.append(
                QuicPacket(
                    version=h.version,
                    dcid=h.dcid,
                    scid=h.scid,
                    token=h.token,
                    packet_number=number,
                    header=header,
                    payload=plaintext,
                    frames=_frames(plaintext, pieces),
                    size=h.end - pos,
                )
            )
            pos = h.end
    assert keys is not None  # the first datagram's first packet set them, or raised
    return QuicInitial(
        version=keys.version,
        dcid=keys.dcid,
        scid=scid,
        packets=tuple(packets),
        crypto=_stream(pieces),
        skipped=skipped,
    )


def extract_quic_sni(*datagrams: bytes) -> str | None:
    """Return the server name in the client's QUIC Initial packets, or None.

    ``datagrams`` are the UDP payloads the client sent, from its first, in order: one is
    enough for most hellos; pass more when the ClientHello spans several datagrams. The
    keys are derived from the packets themselves (RFC 9001 5.2), so this is what any
    on-path censor can read. Returns the first ``host_name`` of the server_name extension,
    or None when the ClientHello has none. Raises :class:`Incomplete` while the datagrams
    do not yet hold the name (the hello continues in a later datagram, or a datagram was
    cut short) and :class:`MalformedPacket` for anything that is not a client's Initial,
    exactly as :func:`~censorsim.wire.extract_sni` does for TCP (lesson 04).
    """
    initial = parse_quic_initial(*datagrams)
    if not initial.crypto:
        raise Incomplete(_no_start(initial.packets))
    return extract_sni(_as_records(initial.crypto))


# -- building --------------------------------------------------------------------------------
def _encode_varint(value: int) -> bytes:
    if value < 0x40:
        return bytes([value])
    if value < 0x4000:
        return (value | 0x4000).to_bytes(2, "big")
    if value < 0x4000_0000:
        return (value | 0x8000_0000).to_bytes(4, "big")
    return (value | 0xC000_0000_0000_0000).to_bytes(8, "big")


def _handshake_of(client_hello: bytes) -> bytes:
    """The handshake bytes of ``client_hello``: TLS records are unwrapped, a bare message kept."""
    if not isinstance(client_hello, bytes | bytearray | memoryview) or not client_hello:
        raise ValueError(f"client_hello must be non-empty bytes, got {client_hello!r:.40}")
    data = bytes(client_hello)
    if data[0] == 0x16:  # records, as OpenSSL writes them for TCP
        out, i = bytearray(), 0
        while i + 5 <= len(data) and data[i] == 0x16:
            length = int.from_bytes(data[i + 3 : i + 5], "big")
            out += data[i + 5 : i + 5 + length]
            i += 5 + length
        data = bytes(out)
    hello = parse_client_hello(_as_records(data))  # checks it is one whole ClientHello
    if hello.length != len(data):
        raise ValueError(
            f"client_hello holds {len(data) - hello.length} bytes after the ClientHello"
        )
    return data


def build_quic_initial(
    client_hello: bytes,
    *,
    dcid: bytes,
    scid: bytes = b"",
    version: int = QUIC_V1,
    token: bytes = b"",
    packet_number: int = 0,
    datagram_size: int = 1200,
    max_crypto: int | None = None,
    coalesce: bool = False,
) -> list[bytes]:
    """Wrap a ClientHello in client Initial packets; return the UDP datagrams, in order.

    ``client_hello`` is a whole ClientHello, as TLS records (what OpenSSL writes for TCP)
    or as a bare handshake message (what QUIC carries). Each packet carries one CRYPTO
    frame of at most ``max_crypto`` bytes (by default as much as fits) and numbers follow
    from ``packet_number`` (2-byte encoding). Without ``coalesce`` each packet is its own
    datagram; with it, packets share datagrams as long as they fit. The last packet of each
    datagram is padded with PADDING frames to exactly ``datagram_size`` bytes, the
    minimum of RFC 9000 section 14.1 by default. Nothing is random: the same arguments
    give the same bytes. (A hello made for TCP lacks ``quic_transport_parameters``: a
    QUIC server would refuse it, but a censor reads it all the same.)
    """
    crypto = _handshake_of(client_hello)
    if version not in _VERSIONS:
        raise ValueError(f"version 0x{version:08x} is not QUIC v1 (0x1) or v2 (0x6b3343cf)")
    for name, cid in (("dcid", dcid), ("scid", scid)):
        if not isinstance(cid, bytes) or len(cid) > _MAX_CID:
            raise ValueError(f"{name} must be bytes of at most {_MAX_CID}, got {cid!r}")
    if not 1200 <= datagram_size <= 0x3FFF:
        raise ValueError(f"datagram_size {datagram_size} is not between 1200 and 16383 bytes")
    if max_crypto is not None and max_crypto < 1:
        raise ValueError(f"max_crypto {max_crypto} is not a positive number of bytes")
    keys = _Keys(version, dcid)
    first = 0xC0 | (_VERSIONS[version].initial_type << 4) | 0x01  # 2-byte packet numbers
    head = (
        bytes([first])
        + version.to_bytes(4, "big")
        + bytes([len(dcid)])
        + dcid
        + bytes([len(scid)])
        + scid
        + _encode_varint(len(token))
        + token
    )
    overhead = len(head) + 2 + 2 + _TAG  # Length (2-byte varint), packet number, tag
    room = datagram_size - overhead  # the frames of a packet that fills a datagram

    # plan the CRYPTO frames: (offset, data), each in its own packet
    frames = []
    offset = 0
    while offset < len(crypto):
        frame_head = 1 + len(_encode_varint(offset)) + 2
        size = min(len(crypto) - offset, room - frame_head, max_crypto or len(crypto))
        if size < 1:
            raise ValueError(f"datagram_size {datagram_size} leaves no room for CRYPTO data")
        data = crypto[offset : offset + size]
        frames.append(b"\x06" + _encode_varint(offset) + (0x4000 | size).to_bytes(2, "big") + data)
        offset += size
    if not 0 <= packet_number <= 0xFFFF - len(frames) + 1:
        raise ValueError(
            f"packet_number {packet_number}: {len(frames)} packets must fit the 2-byte encoding"
        )

    # group the packets into datagrams; the last of each is padded to fill it
    groups: list[list[bytes]] = []
    used = datagram_size
    for frame in frames:
        if coalesce and used + overhead + len(frame) <= datagram_size:
            groups[-1].append(frame)
            used += overhead + len(frame)
        else:
            groups.append([frame])
            used = overhead + len(frame)
    datagrams = []
    number = packet_number
    for group in groups:
        fill = datagram_size - sum(overhead + len(f) for f in group)
        packets = []
        for k, frame in enumerate(group):
            plain = frame + bytes(fill if k == len(group) - 1 else 0)
            length = 2 + len(plain) + _TAG
            header = head + (0x4000 | length).to_bytes(2, "big") + number.to_bytes(2, "big")
            packets.append(_protect(keys, header, plain, number))
            number += 1
        datagrams.append(b"".join(packets))
    return datagrams


def _protect(keys: _Keys, header: bytes, plaintext: bytes, number: int) -> bytes:
    """Encrypt a packet and apply header protection (RFC 9001 5.3, 5.4)."""
    nonce = (keys.iv ^ number).to_bytes(12, "big")
    sealed = keys.aead.encrypt(nonce, plaintext, header)
    pn_offset = len(header) - 2
    packet = bytearray(header + sealed)
    mask = keys.mask(bytes(packet[pn_offset + 4 : pn_offset + 4 + _SAMPLE]))
    packet[0] ^= mask[0] & 0x0F
    packet[pn_offset] ^= mask[1]
    packet[pn_offset + 1] ^= mask[2]
    return bytes(packet)

"""The TLS ClientHello as a censor reads it: ``parse_client_hello`` and ``extract_sni`` (lesson 04).

Theory of operation
-------------------
HTTPS encrypts everything after the handshake, but the client's first message, the
ClientHello (RFC 8446 section 4.1.2), travels in clear: its ``server_name`` extension
(RFC 6066 section 3) names the site so that a server with many sites can choose a
certificate. An SNI filter reads that name from the first bytes of the client's stream.

:func:`parse_client_hello` reads a whole ClientHello into a :class:`ClientHello` view:
the server names, ALPN protocols (RFC 7301), supported versions (RFC 8446 4.2.1), the
extension types in order, and whether an ``encrypted_client_hello`` extension (type
0xfe0d, draft-ietf-tls-esni) is present, in which case the server name seen is the
*outer* one. :func:`extract_sni` walks the same structure but returns as soon as the
name has been read, as a filter does.

Both never trust a length field: every length is checked against its container. Bytes
that are a valid beginning of a ClientHello raise :class:`~censorsim.wire.Incomplete`
(a filter waits for more, or gives up); anything else that cannot be a ClientHello raises
:class:`~censorsim.wire.MalformedPacket`. A ClientHello may be split across several TLS
records and several TCP segments: the parsers take the client's stream from its first
byte and gather the handshake bytes of the leading records.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from censorsim.wire.errors import Incomplete, MalformedPacket

__all__ = [
    "ClientHello",
    "parse_client_hello",
    "extract_sni",
    "split_into_records",
    "first_record",
    "EXTENSION_NAMES",
]

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


#: Names of the extension types a lesson shows (IANA TLS ExtensionType Values).
EXTENSION_NAMES = {
    0: "server_name",
    5: "status_request",
    10: "supported_groups",
    11: "ec_point_formats",
    13: "signature_algorithms",
    16: "application_layer_protocol_negotiation",
    18: "signed_certificate_timestamp",
    21: "padding",
    22: "encrypt_then_mac",
    23: "extended_master_secret",
    27: "compress_certificate",
    35: "session_ticket",
    41: "pre_shared_key",
    42: "early_data",
    43: "supported_versions",
    44: "cookie",
    45: "psk_key_exchange_modes",
    49: "post_handshake_auth",
    50: "signature_algorithms_cert",
    51: "key_share",
    57: "quic_transport_parameters",
    17513: "application_settings",
    0xFE0D: "encrypted_client_hello",
    0xFF01: "renegotiation_info",
}
_EXT_ALPN = 16
_EXT_SUPPORTED_VERSIONS = 43
_EXT_ECH = 0xFE0D


@dataclass(frozen=True, slots=True)
class ClientHello:
    """What a ClientHello shows to anyone on the path (a view; nothing is decrypted).

    ``server_names`` holds the ``host_name`` entries of the server_name extension (with
    ECH, the outer, public name); ``extensions`` the extension types in the order sent;
    ``supported_versions`` the versions of that extension (0x0304 is TLS 1.3), empty when
    absent; ``ech`` whether an ``encrypted_client_hello`` extension is present;
    ``length`` the size of the handshake message in bytes (type and length included).
    """

    legacy_version: int
    random: bytes
    session_id: bytes
    cipher_suites: tuple[int, ...]
    extensions: tuple[int, ...]
    server_names: tuple[str, ...]
    alpn: tuple[str, ...]
    supported_versions: tuple[int, ...]
    ech: bool
    length: int

    @property
    def sni(self) -> str | None:
        """The first server name, or None when the hello names none."""
        return self.server_names[0] if self.server_names else None

    @property
    def extension_names(self) -> tuple[str, ...]:
        """The extension types in order, by name (GREASE and unknown types as numbers)."""
        return tuple(EXTENSION_NAMES.get(t, f"0x{t:04x}") for t in self.extensions)

    def __repr__(self) -> str:
        ech = ", ECH" if self.ech else ""
        return (
            f"<ClientHello SNI={self.sni!r} ALPN={list(self.alpn)} "
            f"versions={[f'0x{v:04x}' for v in self.supported_versions]}, "
            f"{len(self.extensions)} extensions{ech}, {self.length} bytes>"
        )


def _check_bytes(data: object) -> bytes:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedPacket(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise Incomplete("no bytes yet")
    return data


class _Walk:
    """The fixed fields of a ClientHello, read and checked; ``extensions()`` goes on."""

    __slots__ = ("hs", "more", "end", "r", "legacy_version", "random", "session_id", "suites")

    def __init__(self, data: bytes, keep: bool):
        hs, more = _handshake_bytes(data)
        self.hs, self.more = hs, more
        head = _Reader(hs, 0, 4, more)
        msg_type = head.u8("handshake type")
        if msg_type != _CLIENT_HELLO:
            raise MalformedPacket(f"handshake type {msg_type} is not a ClientHello (1)")
        head.need(3, "handshake length")
        body_len = (hs[1] << 16) | (hs[2] << 8) | hs[3]
        if body_len < 38:
            raise MalformedPacket(f"ClientHello length {body_len} is below the minimum of 38")
        self.end = end = 4 + body_len
        r = self.r = _Reader(hs, 4, end, more)
        major = r.u8("legacy_version")
        minor = r.u8("legacy_version")
        if major != 3:
            raise MalformedPacket(f"ClientHello legacy_version major byte {major} is not 3")
        self.legacy_version = (major << 8) | minor
        r.skip(32, "random")
        self.random = hs[r.pos - 32 : r.pos] if keep else b""
        sid = r.u8("legacy_session_id length")
        if sid > 32:
            raise MalformedPacket(f"session id length {sid} exceeds 32")
        r.skip(sid, "legacy_session_id")
        self.session_id = hs[r.pos - sid : r.pos] if keep else b""
        suites = r.u16("cipher_suites length")
        if suites < 2 or suites % 2:
            raise MalformedPacket(f"cipher_suites length {suites} is not a positive even number")
        r.skip(suites, "cipher_suites")
        self.suites = hs[r.pos - suites : r.pos] if keep else b""
        methods = r.u8("compression_methods length")
        if methods < 1:
            raise MalformedPacket("compression_methods is empty")
        r.skip(methods, "compression_methods")

    def extensions(self) -> Iterator[tuple[int, int, int]]:
        """``(type, start, end)`` of each extension, every length checked on the way."""
        r, end = self.r, self.end
        if r.pos == end:
            return  # a ClientHello without extensions (TLS 1.0 style)
        ext_total = r.u16("extensions length")
        if r.pos + ext_total != end:
            raise MalformedPacket(
                f"extensions length {ext_total} does not match the ClientHello length {end - 4}"
            )
        seen: set[int] = set()
        while r.pos < end:
            ext_type = r.u16("extension type")
            ext_len = r.u16("extension length")
            if r.pos + ext_len > end:
                raise MalformedPacket(
                    f"extension {ext_type} length {ext_len} overruns the extensions"
                )
            if ext_type in seen:
                raise MalformedPacket(f"extension {ext_type} appears twice")
            seen.add(ext_type)
            start = r.pos
            yield ext_type, start, start + ext_len
            r.pos = start
            r.skip(ext_len, f"extension {ext_type}")


def _server_names(hs: bytes, start: int, end: int, more: bool) -> tuple[str, ...]:
    sn = _Reader(hs, start, end, more)
    list_len = sn.u16("server_name_list length")
    if list_len != end - start - 2:
        raise MalformedPacket(
            f"server_name_list length {list_len} does not match the extension length {end - start}"
        )
    names = []
    while sn.pos < sn.limit:
        name_type = sn.u8("server name type")
        name_len = sn.u16("server name length")
        sn.need(name_len, "server name")
        raw = hs[sn.pos : sn.pos + name_len]
        sn.pos += name_len
        if name_type == 0:
            if not raw:
                raise MalformedPacket("server name is empty")
            try:
                names.append(raw.decode("ascii"))
            except UnicodeDecodeError:
                raise MalformedPacket(f"server name {raw!r} is not ASCII") from None
    if not names:
        raise MalformedPacket("server_name extension holds no host_name entry")
    return tuple(names)


def extract_sni(data: bytes) -> str | None:
    """Return the server name in the ClientHello at the start of ``data``, or None.

    ``data`` is the client's side of a TLS connection from its first byte: one TLS record
    or several (a ClientHello may be split across records, and a TCP segment may end in
    the middle of one). Returns the first ``host_name`` of the server_name extension, or
    None when the ClientHello has no such extension. Raises :class:`Incomplete` when the
    bytes are a valid beginning of a ClientHello that needs more data, and
    :class:`MalformedPacket` for anything else. This is the parser an SNI filter runs
    (lesson 04); it reads every length field against its container, and returns as soon
    as the name has been read, as a filter would.
    """
    walk = _Walk(_check_bytes(data), keep=False)
    for ext_type, start, end in walk.extensions():
        if ext_type == _EXT_SERVER_NAME:
            return _server_names(walk.hs, start, end, walk.more)[0]
    return None


def parse_client_hello(data: bytes) -> ClientHello:
    """Read the whole ClientHello at the start of ``data`` into a :class:`ClientHello`.

    The contract is :func:`extract_sni`'s (``Incomplete``, ``MalformedPacket``), except
    that the whole hello must be there: a hello cut anywhere raises ``Incomplete``.
    """
    walk = _Walk(_check_bytes(data), keep=True)
    hs, more = walk.hs, walk.more
    types: list[int] = []
    names: tuple[str, ...] = ()
    alpn: list[str] = []
    versions: list[int] = []
    for ext_type, start, end in walk.extensions():
        types.append(ext_type)
        _Reader(hs, start, end, more).need(end - start, f"extension {ext_type}")
        if ext_type == _EXT_SERVER_NAME:
            names = _server_names(hs, start, end, more)
        elif ext_type == _EXT_ALPN:
            alpn = _alpn(hs[start:end])
        elif ext_type == _EXT_SUPPORTED_VERSIONS:
            versions = _versions(hs[start:end])
    if walk.end > len(hs):
        raise Incomplete("need more bytes to read the whole ClientHello")
    suites = walk.suites
    return ClientHello(
        legacy_version=walk.legacy_version,
        random=walk.random,
        session_id=walk.session_id,
        cipher_suites=tuple((suites[i] << 8) | suites[i + 1] for i in range(0, len(suites), 2)),
        extensions=tuple(types),
        server_names=names,
        alpn=tuple(alpn),
        supported_versions=tuple(versions),
        ech=_EXT_ECH in types,
        length=walk.end,
    )


def _alpn(body: bytes) -> list[str]:
    if len(body) < 2 or ((body[0] << 8) | body[1]) != len(body) - 2:
        raise MalformedPacket("ALPN protocol list length does not match its extension")
    out, i = [], 2
    while i < len(body):
        n = body[i]
        if n == 0 or i + 1 + n > len(body):
            raise MalformedPacket("an ALPN protocol name is empty or overruns the list")
        out.append(body[i + 1 : i + 1 + n].decode("latin-1"))
        i += 1 + n
    return out


def _versions(body: bytes) -> list[int]:
    if not body or body[0] != len(body) - 1 or body[0] % 2 or body[0] == 0:
        raise MalformedPacket("supported_versions list length does not match its extension")
    return [(body[i] << 8) | body[i + 1] for i in range(1, len(body), 2)]


def first_record(data: bytes) -> bytes:
    """The first TLS record of ``data`` (as far as it goes): what a censor that does not
    reassemble TLS records reads of a ClientHello."""
    if len(data) < 5:
        return bytes(data)
    return bytes(data[: 5 + ((data[3] << 8) | data[4])])


def split_into_records(hello: bytes, at: int | str) -> bytes:
    """The same ClientHello re-framed as two TLS records, the handshake message cut at
    byte ``at`` of its body, or in the middle of the server name with ``"sni"`` (an
    evasion against censors that read one record only; TLS lets a handshake message span
    records, RFC 8446 section 5.1). Returns the records' bytes."""
    handshake, _ = _handshake_bytes(bytes(hello))
    version = bytes(hello[1:3])
    if at == "sni":
        name = extract_sni(hello)
        where = handshake.find(name.encode()) if name else -1
        if where < 0:
            raise ValueError("split_into_records(..., 'sni'): the hello names no server")
        at = where + max(1, len(name) // 2)
    if isinstance(at, bool) or not isinstance(at, int) or not 0 < at < len(handshake):
        raise ValueError(
            f"at={at!r}: expected a byte offset inside the {len(handshake)}-byte handshake "
            "message, or 'sni'"
        )
    parts = (handshake[:at], handshake[at:])
    return b"".join(b"\x16" + version + len(p).to_bytes(2, "big") + p for p in parts)

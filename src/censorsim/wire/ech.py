"""Encrypted Client Hello on the wire: ECH configurations, sealing and opening (lesson 04).

Theory of operation
-------------------
An SNI filter reads the server name from the ClientHello, which TLS 1.3 still sends in
clear. Encrypted Client Hello (RFC 9849, March 2026, published from
draft-ietf-tls-esni-25, whose code points it keeps: extension ``encrypted_client_hello``
0xfe0d and ECHConfig version 0xfe0d; case-facts 7.3) hides it. A *client-facing server* (a CDN) publishes an :class:`ECHConfig`: an HPKE public key
(RFC 9180), the cipher suites it accepts and a *public name*. It travels in the ``ech``
parameter (key 5) of the site's DNS HTTPS record (RFC 9460), as an ECHConfigList. The
client then sends two hellos in one:

* the *ClientHelloInner*, the real one, with the real server name, encrypted;
* the *ClientHelloOuter*, the one on the wire, whose ``server_name`` is the config's
  public name and which carries the inner one, encrypted, in its
  ``encrypted_client_hello`` extension: HPKE cipher suite, ``config_id``, the HPKE
  encapsulated key ``enc`` and the ``payload``.

A censor on the path sees the outer name (the same for every site of the CDN: Cloudflare
uses ``cloudflare-ech.com`` for all of them, case-facts section 4), the server's
address, and the presence of the extension, nothing else. Hence the censors' answers:
block the hello that carries ECH with the CDN's outer name (Russia since November 2024,
case-facts section 5), block DNS HTTPS records so that clients never learn the config
(what Cloudflare tells filtering networks to do, case-facts 7.3), or block addresses.

What this module does, faithful to the draft (section numbers of draft-ietf-tls-esni-25):

* :class:`ECHConfig` and :func:`ech_config_list` / :func:`parse_ech_config_list` read
  and write ECHConfig and ECHConfigList (section 4), as found in an HTTPS record;
  configs of other versions are skipped, as clients must;
* :func:`seal_client_hello` does what an ECH client does (sections 5 and 6.1): it adds
  the ``inner`` marker extension to the hello, encodes it as EncodedClientHelloInner
  (``legacy_session_id`` emptied, padded as section 6.1.3 recommends, from
  ``maximum_name_length`` and to a multiple of 32 bytes), sets up HPKE with
  ``info = "tls ech" || 0x00 || ECHConfig``, builds the ClientHelloOuter with a fresh
  random, the inner's session id and the public name, and seals with the
  ClientHelloOuterAAD (the outer hello with the payload zeroed) as associated data
  (section 5.2), so that any change to the outer hello makes opening fail;
* :func:`open_client_hello` does what the client-facing server does (section 7.1):
  match ``config_id`` and cipher suite, open with HPKE, check the zero padding,
  restore the session id from the outer hello, check the ``inner`` marker and that
  TLS 1.2 is not offered.

What is simplified, and why:

* The hellos come from OpenSSL, which has no ECH (Python's ``ssl``), and the simulator
  completes the TLS handshake by feeding the recovered inner hello to OpenSSL's server.
  So :func:`seal_client_hello` takes the hello exactly as OpenSSL wrote it (TLS 1.3
  only, no ECH extension) and adds the ``inner`` marker itself, and
  :func:`open_client_hello` checks the marker and removes it again: the server's
  OpenSSL gets the very bytes the client's OpenSSL put in its transcript
  (``open(seal(x)) == x``). What travels encrypted is the draft's ClientHelloInner.
  For the same reason the inner hello keeps OpenSSL's own ``padding`` extension
  (RFC 7685: OpenSSL pads hellos of 256 to 511 bytes to 512), so the payload of an
  inner hello near 256 bytes can be 256 bytes longer than another's, a length signal a
  real ECH client does not give; the draft's padding (below) is applied on top.
* The outer hello's other extensions are copies of the inner's (key shares included,
  as a client sharing them through ``ech_outer_extensions`` would send), except
  ``padding``, which is dropped (the outer hello is large anyway), and
  ``pre_shared_key``, replaced by a GREASE one of the same shape (section 6.1.2).
  Real clients choose the outer extensions more carefully (section 10.5), and may
  compress repeated ones with ``ech_outer_extensions``; this module never compresses,
  and :func:`open_client_hello` refuses a hello that does.
* ServerHello's ECH acceptance confirmation (section 7.2), HelloRetryRequest, retry
  configurations after a rejection (section 6.1.6) and GREASE ECH (section 6.2) are
  not modelled: the simulated server either opens the hello or the connection fails.
* Randomness (the outer random, the HPKE ephemeral key, GREASE values) comes from the
  caller's ``random.Random``, so the same seed gives the same bytes, which a real
  client must never do; key pairs come from a seed by HPKE's own DeriveKeyPair.

Sources: RFC 9849 / draft-ietf-tls-esni-25 (github.com/tlswg/draft-ietf-tls-esni);
RFC 9180 (HPKE); RFC 9460 (SVCB and HTTPS records); Cloudflare's announcement
(blog.cloudflare.com/announcing-encrypted-client-hello, 29 Sep 2023) and documentation
(developers.cloudflare.com/ssl/edge-certificates/ech/: one public name,
``cloudflare-ech.com``, for all zones); a Cloudflare HTTPS record decoded in
net4people #393 (13 Sep 2024: version 0xfe0d, X25519, HKDF-SHA256, AES-128-GCM); all in
case-facts sections 4, 5 and 7.3. HPKE itself is ``pyhpke``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from pyhpke import AEADId, CipherSuite, KDFId, KEMId
from pyhpke.exceptions import PyHPKEError

from censorsim.wire.errors import MalformedPacket
from censorsim.wire.tls import _Walk, parse_client_hello

__all__ = [
    "ECH_VERSION",
    "ECHConfig",
    "ECHError",
    "EncryptedClientHello",
    "ech_config_list",
    "parse_ech_config_list",
    "ech_config_for",
    "seal_client_hello",
    "open_client_hello",
    "parse_encrypted_client_hello",
]

ECH_VERSION = 0xFE0D  #: ECHConfig.version and the extension's code point
_EXT_SERVER_NAME = 0
_EXT_PADDING = 21
_EXT_PRE_SHARED_KEY = 41
_EXT_SUPPORTED_VERSIONS = 43
_EXT_ECH = 0xFE0D
_EXT_OUTER_EXTENSIONS = 0xFD00
_OUTER, _INNER = 0, 1
_KEM_X25519 = 0x0020
_KDF_SHA256, _AEAD_AES128GCM = 0x0001, 0x0001
_TLS13 = 0x0304
_RECORD = 2**14
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", re.IGNORECASE)


class ECHError(ValueError):
    """An ECH operation that cannot be done: an unusable config, a hello that cannot be
    sealed, or one that does not open (wrong key, altered outer hello, bad inner hello)."""


# -- ECHConfig (section 4) -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ECHConfig:
    """One ECH configuration of a client-facing server, as its DNS HTTPS record holds it.

    ``public_key`` is the serialised HPKE public key of ``kem_id`` (32 bytes for
    DHKEM(X25519, HKDF-SHA256), 0x0020); ``cipher_suites`` the accepted
    ``(kdf_id, aead_id)`` pairs (HKDF-SHA256 = 1, AES-128-GCM = 1, the suite Cloudflare
    publishes); ``public_name`` the name the outer ClientHello carries;
    ``maximum_name_length`` the longest server name behind it (0: unknown), used for
    padding; ``extensions`` ``(type, data)`` pairs (a type with the high bit set is
    mandatory: a client that does not know it must not use the config).
    """

    config_id: int
    public_key: bytes
    public_name: str
    kem_id: int = _KEM_X25519
    cipher_suites: tuple[tuple[int, int], ...] = ((_KDF_SHA256, _AEAD_AES128GCM),)
    maximum_name_length: int = 0
    extensions: tuple[tuple[int, bytes], ...] = ()

    def __post_init__(self) -> None:
        # lists are accepted and kept as tuples, so that equal configs compare equal
        for field in ("cipher_suites", "extensions"):
            value = getattr(self, field)
            if not isinstance(value, tuple | list):
                raise ValueError(f"{field} must be a tuple of pairs, got {value!r:.60}")
            object.__setattr__(self, field, tuple(map(_pair, value)))
        _check_int("config_id", self.config_id, 0xFF)
        _check_int("kem_id", self.kem_id, 0xFFFF)
        _check_int("maximum_name_length", self.maximum_name_length, 0xFF)
        if not isinstance(self.public_key, bytes) or not 1 <= len(self.public_key) <= 0xFFFF:
            raise ValueError(f"public_key must be 1 to 65535 bytes, got {self.public_key!r:.60}")
        suites = self.cipher_suites
        if not suites or not all(
            isinstance(s, tuple) and len(s) == 2 and all(_is_u16(x) for x in s) for s in suites
        ):
            raise ValueError(
                f"cipher_suites must be (kdf_id, aead_id) pairs of 16-bit numbers, "
                f"at least one, got {self.cipher_suites!r}"
            )
        problem = _public_name_problem(self.public_name)
        if problem:
            raise ValueError(f"public_name {self.public_name!r} {problem}")
        for ext in self.extensions:
            if not (
                isinstance(ext, tuple)
                and len(ext) == 2
                and _is_u16(ext[0])
                and isinstance(ext[1], bytes)
                and len(ext[1]) <= 0xFFFF
            ):
                raise ValueError(f"extension {ext!r:.60} is not a (16-bit type, bytes) pair")

    def contents(self) -> bytes:
        """The ECHConfigContents structure."""
        name = self.public_name.encode("ascii")
        suites = b"".join(
            k.to_bytes(2, "big") + a.to_bytes(2, "big") for k, a in self.cipher_suites
        )
        exts = b"".join(t.to_bytes(2, "big") + _vec16(d) for t, d in self.extensions)
        return (
            bytes([self.config_id])
            + self.kem_id.to_bytes(2, "big")
            + _vec16(self.public_key)
            + _vec16(suites)
            + bytes([self.maximum_name_length, len(name)])
            + name
            + _vec16(exts)
        )

    def to_bytes(self) -> bytes:
        """The serialised ECHConfig (version, length, contents): HPKE's ``info`` uses it."""
        return ECH_VERSION.to_bytes(2, "big") + _vec16(self.contents())

    def __repr__(self) -> str:
        suites = ", ".join(
            f"{_KDF_NAMES.get(k, k)}/{_AEAD_NAMES.get(a, a)}" for k, a in self.cipher_suites
        )
        return (
            f"<ECHConfig id=0x{self.config_id:02x} public_name={self.public_name!r} "
            f"KEM={_KEM_NAMES.get(self.kem_id, hex(self.kem_id))} suites=[{suites}] "
            f"max_name={self.maximum_name_length}>"
        )


_KEM_NAMES = {0x0010: "P-256", 0x0011: "P-384", 0x0012: "P-521", 0x0020: "X25519", 0x0021: "X448"}
_KDF_NAMES = {1: "HKDF-SHA256", 2: "HKDF-SHA384", 3: "HKDF-SHA512"}
_AEAD_NAMES = {1: "AES-128-GCM", 2: "AES-256-GCM", 3: "ChaCha20Poly1305"}


def _pair(x: object) -> object:
    return tuple(x) if isinstance(x, list) else x


def _is_u16(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 0xFFFF


def _check_int(name: str, value: object, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= high:
        raise ValueError(f"{name} must be an integer from 0 to {high}, got {value!r}")


def _public_name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a public name (draft section 6.1.7), or None."""
    if not isinstance(name, str) or not name:
        return "must be a non-empty string"
    if not name.isascii() or len(name) > 255:
        return "must be an ASCII DNS name of at most 255 bytes"
    labels = name.rstrip(".").split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        return "is not a DNS name of letters, digits and hyphens (an A-label for IDNs)"
    if labels[-1].isdigit() or re.fullmatch(r"0x[0-9a-f]*", labels[-1], re.IGNORECASE):
        return "looks like an IPv4 address, which a public name must not be"
    return None


def _vec16(data: bytes) -> bytes:
    return len(data).to_bytes(2, "big") + data


class _Bytes:
    """Bounds-checked reads of a wire structure; running short is malformed."""

    __slots__ = ("data", "pos", "end", "what")

    def __init__(self, data: bytes, what: str, pos: int = 0, end: int | None = None):
        self.data, self.what, self.pos = data, what, pos
        self.end = len(data) if end is None else end

    def take(self, k: int, field: str) -> bytes:
        if self.pos + k > self.end:
            raise MalformedPacket(f"{self.what}: {field} runs past the end ({k} bytes needed)")
        self.pos += k
        return self.data[self.pos - k : self.pos]

    def u8(self, field: str) -> int:
        return self.take(1, field)[0]

    def u16(self, field: str) -> int:
        return int.from_bytes(self.take(2, field), "big")

    def vec(self, size: int, field: str) -> bytes:
        length = int.from_bytes(self.take(size, f"{field} length"), "big")
        return self.take(length, field)

    def done(self) -> bool:
        return self.pos >= self.end


def _parse_contents(contents: bytes) -> ECHConfig:
    r = _Bytes(contents, "ECHConfigContents")
    config_id = r.u8("config_id")
    kem_id = r.u16("kem_id")
    public_key = r.vec(2, "public_key")
    suites_raw = r.vec(2, "cipher_suites")
    if len(suites_raw) < 4 or len(suites_raw) % 4:
        raise MalformedPacket(
            f"ECHConfigContents: cipher_suites length {len(suites_raw)} is not a positive "
            "multiple of 4"
        )
    suites = tuple(
        (
            int.from_bytes(suites_raw[i : i + 2], "big"),
            int.from_bytes(suites_raw[i + 2 : i + 4], "big"),
        )
        for i in range(0, len(suites_raw), 4)
    )
    maximum_name_length = r.u8("maximum_name_length")
    raw_name = r.vec(1, "public_name")
    exts_raw = r.vec(2, "extensions")
    if not r.done():
        raise MalformedPacket(
            f"ECHConfigContents: {len(contents) - r.pos} bytes follow the extensions"
        )
    exts = []
    e = _Bytes(exts_raw, "ECHConfig extensions")
    while not e.done():
        exts.append((e.u16("extension type"), e.vec(2, "extension data")))
    try:
        name = raw_name.decode("ascii")
    except UnicodeDecodeError:
        raise MalformedPacket(f"ECHConfig public_name {raw_name!r} is not ASCII") from None
    try:
        return ECHConfig(
            config_id=config_id,
            public_key=public_key,
            public_name=name,
            kem_id=kem_id,
            cipher_suites=suites,
            maximum_name_length=maximum_name_length,
            extensions=tuple(exts),
        )
    except ValueError as exc:
        raise MalformedPacket(f"ECHConfig: {exc}") from None


def ech_config_list(*configs: ECHConfig) -> bytes:
    """The ECHConfigList of ``configs``, in order of preference: the value of the ``ech``
    parameter of a DNS HTTPS record (RFC 9460; presented in base64 in zone files)."""
    if not configs:
        raise ValueError("an ECHConfigList holds at least one ECHConfig")
    for c in configs:
        if not isinstance(c, ECHConfig):
            raise ValueError(f"expected ECHConfig objects, got {type(c).__name__}")
    body = b"".join(c.to_bytes() for c in configs)
    if len(body) > 0xFFFF:
        raise ValueError(f"the ECHConfigList would be {len(body)} bytes, above 65535")
    return _vec16(body)


def parse_ech_config_list(data: bytes) -> tuple[ECHConfig, ...]:
    """Read an ECHConfigList (the ``ech`` value of an HTTPS record).

    Configs of versions other than 0xfe0d are skipped, as the draft tells clients to do
    (so the result may be empty). Raises :class:`MalformedPacket` naming what is wrong
    when the bytes are not an ECHConfigList.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedPacket(f"expected bytes, got {type(data).__name__}")
    r = _Bytes(bytes(data), "ECHConfigList")
    body = r.vec(2, "list")
    if not r.done():
        raise MalformedPacket(f"ECHConfigList: {len(data) - r.pos} bytes follow the list")
    if len(body) < 4:
        raise MalformedPacket(f"ECHConfigList: {len(body)} bytes cannot hold an ECHConfig")
    items = _Bytes(body, "ECHConfigList")
    configs = []
    while not items.done():
        version = items.u16("ECHConfig version")
        contents = items.vec(2, f"ECHConfig 0x{version:04x} contents")
        if version == ECH_VERSION:
            configs.append(_parse_contents(contents))
    return tuple(configs)


def ech_config_for(
    public_name: str,
    seed: int,
    *,
    config_id: int | None = None,
    maximum_name_length: int = 0,
) -> tuple[ECHConfig, bytes]:
    """A key pair and its ECHConfig, made deterministically from ``seed``.

    Returns ``(config, private_key)``: DHKEM(X25519, HKDF-SHA256) with HKDF-SHA256 and
    AES-128-GCM (the suite Cloudflare publishes); the private key is the 32 raw bytes
    :func:`open_client_hello` takes. The key comes from HPKE's DeriveKeyPair (RFC 9180
    7.1.3) over bytes drawn from the seed and the name, so the same arguments give the
    same key, and two names with one seed give different keys. ``config_id`` is drawn
    from the same seed unless given.
    """
    problem = _public_name_problem(public_name)
    if problem:
        raise ValueError(f"public_name {public_name!r} {problem}")
    rng = random.Random(f"censorsim-ech:{public_name.lower()}:{seed}")
    ikm = rng.randbytes(32)
    drawn_id = rng.randrange(256)
    suite = _suite(_KEM_X25519, _KDF_SHA256, _AEAD_AES128GCM)
    pair = suite.kem.derive_key_pair(ikm)
    config = ECHConfig(
        config_id=drawn_id if config_id is None else config_id,
        public_key=pair.public_key.to_public_bytes(),
        public_name=public_name,
        maximum_name_length=maximum_name_length,
    )
    return config, pair.private_key.to_private_bytes()


def _suite(kem_id: int, kdf_id: int, aead_id: int) -> CipherSuite:
    try:
        return CipherSuite.new(KEMId(kem_id), KDFId(kdf_id), AEADId(aead_id))
    except ValueError:
        raise ECHError(
            f"HPKE suite KEM 0x{kem_id:04x}, KDF 0x{kdf_id:04x}, AEAD 0x{aead_id:04x} "
            "is not supported"
        ) from None


def _info(config: ECHConfig) -> bytes:
    return b"tls ech\x00" + config.to_bytes()


# -- the encrypted_client_hello extension (section 5) -----------------------------------------
@dataclass(frozen=True, slots=True)
class EncryptedClientHello:
    """The ``encrypted_client_hello`` extension of a ClientHello, as the wire shows it.

    ``kind`` is ``"outer"`` (a real or GREASE ECH offer: the fields below are set) or
    ``"inner"`` (the marker inside a ClientHelloInner: no fields). A censor sees all of
    this, and none of the inner hello: ``payload`` is ciphertext.
    """

    kind: str
    kdf_id: int = 0
    aead_id: int = 0
    config_id: int = 0
    enc: bytes = b""
    payload: bytes = b""

    def __repr__(self) -> str:
        if self.kind == "inner":
            return "<EncryptedClientHello inner>"
        return (
            f"<EncryptedClientHello outer config_id=0x{self.config_id:02x} "
            f"{_KDF_NAMES.get(self.kdf_id, self.kdf_id)}/"
            f"{_AEAD_NAMES.get(self.aead_id, self.aead_id)} enc={len(self.enc)} bytes "
            f"payload={len(self.payload)} bytes>"
        )


def _read_ech(body: bytes) -> tuple[EncryptedClientHello, int]:
    """The extension and the offset of its payload in ``body``."""
    r = _Bytes(body, "encrypted_client_hello")
    kind = r.u8("type")
    if kind == _INNER:
        if not r.done():
            raise MalformedPacket("encrypted_client_hello: an inner extension must be empty")
        return EncryptedClientHello("inner"), len(body)
    if kind != _OUTER:
        raise MalformedPacket(f"encrypted_client_hello: type {kind} is neither outer nor inner")
    kdf_id, aead_id, config_id = r.u16("kdf_id"), r.u16("aead_id"), r.u8("config_id")
    enc = r.vec(2, "enc")
    length = r.u16("payload length")
    start = r.pos
    payload = r.take(length, "payload")
    if not payload:
        raise MalformedPacket("encrypted_client_hello: the payload is empty")
    if not r.done():
        raise MalformedPacket(f"encrypted_client_hello: {len(body) - r.pos} bytes follow it")
    return EncryptedClientHello("outer", kdf_id, aead_id, config_id, enc, payload), start


def parse_encrypted_client_hello(data: bytes) -> EncryptedClientHello | None:
    """The ``encrypted_client_hello`` extension of the ClientHello in ``data``, or None.

    ``data`` is what :func:`~censorsim.wire.parse_client_hello` takes (the client's
    stream from its first byte) and the contract is the same (``Incomplete``,
    ``MalformedPacket``). This is everything a censor can learn about an ECH offer.
    """
    parse_client_hello(data)  # the whole hello must be there and well formed
    walk = _Walk(bytes(data), keep=False)
    for ext_type, start, end in walk.extensions():
        if ext_type == _EXT_ECH:
            return _read_ech(walk.hs[start:end])[0]
    return None


# -- ClientHello surgery ---------------------------------------------------------------------
@dataclass(slots=True)
class _Hello:
    """A whole ClientHello split into its fields (extensions as ``(type, body)``)."""

    legacy_version: bytes
    random: bytes
    session_id: bytes
    suites: bytes
    compression: bytes  # with its length byte
    extensions: list[tuple[int, bytes]]

    @classmethod
    def read(cls, data: bytes) -> _Hello:
        """From TLS records (checked whole and well formed by parse_client_hello)."""
        parse_client_hello(data)
        walk = _Walk(bytes(data), keep=True)
        hs = walk.hs
        comp_start = 4 + 2 + 32 + 1 + len(walk.session_id) + 2 + len(walk.suites)
        compression = hs[comp_start : walk.r.pos]
        exts = [(t, hs[s:e]) for t, s, e in walk.extensions()]
        return cls(hs[4:6], walk.random, walk.session_id, walk.suites, compression, exts)

    def body(self, session_id: bytes | None = None) -> bytes:
        """The ClientHello structure (no handshake header)."""
        sid = self.session_id if session_id is None else session_id
        exts = b"".join(t.to_bytes(2, "big") + _vec16(b) for t, b in self.extensions)
        return (
            self.legacy_version
            + self.random
            + bytes([len(sid)])
            + sid
            + _vec16(self.suites)
            + self.compression
            + _vec16(exts)
        )

    def ext(self, ext_type: int) -> bytes | None:
        for t, b in self.extensions:
            if t == ext_type:
                return b
        return None


def _records(body: bytes, version: bytes) -> bytes:
    """A ClientHello structure as a handshake message in TLS records."""
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"".join(
        b"\x16" + version + len(hs[i : i + _RECORD]).to_bytes(2, "big") + hs[i : i + _RECORD]
        for i in range(0, len(hs), _RECORD)
    )


def _server_name_ext(name: str) -> bytes:
    entry = b"\x00" + _vec16(name.encode("ascii"))
    return _vec16(entry)


def _versions(body: bytes | None) -> list[int]:
    if body is None:
        return []
    return [int.from_bytes(body[i : i + 2], "big") for i in range(1, len(body), 2)]


def _tls12_offered(versions: list[int]) -> list[int]:
    """Versions below TLS 1.3 in a supported_versions list (GREASE values ignored)."""
    return [v for v in versions if v < _TLS13 and (v & 0x0F0F) != 0x0A0A]


def _grease_psk(body: bytes, rng: random.Random) -> bytes:
    """A pre_shared_key extension of the same shape with random contents (section 6.1.2)."""
    r = _Bytes(body, "pre_shared_key")
    ids = _Bytes(r.vec(2, "identities"), "pre_shared_key identities")
    identities = b""
    while not ids.done():
        identity = ids.vec(2, "identity")
        ids.take(4, "obfuscated_ticket_age")
        identities += _vec16(rng.randbytes(len(identity))) + rng.randbytes(4)
    binders_in = _Bytes(r.vec(2, "binders"), "pre_shared_key binders")
    binders = b""
    while not binders_in.done():
        binder = binders_in.vec(1, "binder")
        binders += bytes([len(binder)]) + rng.randbytes(len(binder))
    return _vec16(identities) + _vec16(binders)


def _usable_suite(config: ECHConfig) -> tuple[int, int]:
    for ext_type, _ in config.extensions:
        if ext_type & 0x8000:
            raise ECHError(
                f"{config!r} has the mandatory extension 0x{ext_type:04x}, which this client "
                "does not know: a client must not use the config (draft section 4.2)"
            )
    for kdf_id, aead_id in config.cipher_suites:
        try:
            _suite(config.kem_id, kdf_id, aead_id)
        except ECHError:
            continue
        return kdf_id, aead_id
    raise ECHError(f"{config!r} offers no HPKE suite this client supports")


def _padding(inner: _Hello, encoded_length: int, maximum_name_length: int) -> int:
    """How many zero bytes pad EncodedClientHelloInner (draft section 6.1.3)."""
    sni = inner.ext(_EXT_SERVER_NAME)
    if sni is not None:
        name_length = len(sni) - 5  # list length (2), name type (1), name length (2)
        pad = max(0, maximum_name_length - name_length)
    else:
        pad = maximum_name_length + 9
    total = encoded_length + pad
    return pad + 31 - ((total - 1) % 32)


# -- sealing and opening (sections 6.1 and 7.1) ------------------------------------------------
def seal_client_hello(inner_hello: bytes, config: ECHConfig, *, rng: random.Random) -> bytes:
    """Encrypt a ClientHello under ``config``; return the ClientHelloOuter's TLS records.

    ``inner_hello`` is the real hello as OpenSSL wrote it (TLS records from the client's
    first byte), with the real server name. It must offer TLS 1.3 only (ECH forbids
    TLS 1.2 in the inner hello: make it with ``minimum_version = TLSv1_3``) and carry no
    ``encrypted_client_hello`` extension. The outer hello names ``config.public_name``
    and carries the ``encrypted_client_hello`` extension (outer type, the first cipher
    suite of the config that is supported, ``config_id``, ``enc``, ``payload``); see the
    module docstring for what is faithful and what is simplified. ``rng`` supplies every
    random byte: the same ``rng`` state gives the same outer hello. Raises
    :class:`ECHError` when the hello or the config cannot be used.
    """
    if not isinstance(config, ECHConfig):
        raise ECHError(f"config must be an ECHConfig, got {type(config).__name__}")
    if not isinstance(rng, random.Random):
        raise ECHError(f"rng must be a random.Random, got {type(rng).__name__}")
    kdf_id, aead_id = _usable_suite(config)
    if not isinstance(inner_hello, bytes | bytearray) or not inner_hello:
        raise ECHError(
            f"inner_hello must be the ClientHello's TLS records, got {inner_hello!r:.40}"
        )
    inner = _Hello.read(bytes(inner_hello))
    if inner.ext(_EXT_ECH) is not None:
        raise ECHError(
            "the inner hello already carries an encrypted_client_hello extension: pass the "
            "hello as the TLS stack wrote it, before ECH"
        )
    versions = _versions(inner.ext(_EXT_SUPPORTED_VERSIONS))
    if _TLS13 not in versions:
        raise ECHError("the inner hello does not offer TLS 1.3, which ECH requires")
    if _tls12_offered(versions):
        raise ECHError(
            "the inner hello also offers "
            + ", ".join(f"0x{v:04x}" for v in _tls12_offered(versions))
            + ": a ClientHelloInner must not offer TLS 1.2 or below (draft section 6.1); "
            "make it with a context whose minimum_version is TLSv1_3"
        )
    record_version = bytes(inner_hello[1:3])

    # ClientHelloInner: the hello with the inner marker, before pre_shared_key (which must
    # stay the last extension, RFC 8446 4.2.11)
    marker = (_EXT_ECH, bytes([_INNER]))
    exts = list(inner.extensions)
    at = len(exts) - 1 if exts and exts[-1][0] == _EXT_PRE_SHARED_KEY else len(exts)
    exts.insert(at, marker)
    inner.extensions = exts
    encoded = inner.body(session_id=b"")
    encoded += bytes(_padding(inner, len(encoded), config.maximum_name_length))

    # HPKE context first: enc is part of the outer hello, hence of the AAD
    suite = _suite(config.kem_id, kdf_id, aead_id)
    pkr = suite.kem.deserialize_public_key(config.public_key)
    ephemeral = suite.kem.derive_key_pair(rng.randbytes(32))
    enc, context = suite.create_sender_context(pkr, info=_info(config), eks=ephemeral)
    payload_length = len(encoded) + 16  # every supported AEAD has a 16-byte tag

    def ech_extension(payload: bytes) -> bytes:
        return (
            bytes([_OUTER])
            + kdf_id.to_bytes(2, "big")
            + aead_id.to_bytes(2, "big")
            + bytes([config.config_id])
            + _vec16(enc)
            + _vec16(payload)
        )

    outer_exts: list[tuple[int, bytes]] = []
    if inner.ext(_EXT_SERVER_NAME) is None:
        outer_exts.append((_EXT_SERVER_NAME, _server_name_ext(config.public_name)))
    ech_index = 0
    for ext_type, body in exts:
        if ext_type == _EXT_SERVER_NAME:
            outer_exts.append((ext_type, _server_name_ext(config.public_name)))
        elif ext_type == _EXT_ECH:
            ech_index = len(outer_exts)
            outer_exts.append((ext_type, ech_extension(bytes(payload_length))))
        elif ext_type == _EXT_PADDING:
            continue
        elif ext_type == _EXT_PRE_SHARED_KEY:
            outer_exts.append((ext_type, _grease_psk(body, rng)))
        else:
            outer_exts.append((ext_type, body))
    outer = _Hello(
        inner.legacy_version,
        rng.randbytes(32),  # a fresh random: never the inner's
        inner.session_id,  # copied, so that the server can echo it
        inner.suites,
        inner.compression,
        outer_exts,
    )
    aad = outer.body()
    try:
        sealed = context.seal(encoded, aad)
    except PyHPKEError as exc:
        raise ECHError(f"HPKE seal failed: {exc}") from None
    outer.extensions[ech_index] = (_EXT_ECH, ech_extension(sealed))
    return _records(outer.body(), record_version)


def open_client_hello(outer: bytes, private_key: bytes, config: ECHConfig) -> bytes:
    """Recover the inner ClientHello from a ClientHelloOuter, as a client-facing server does.

    ``outer`` is the client's stream from its first byte (TLS records of the outer hello),
    ``private_key`` the raw HPKE private key of ``config`` (as :func:`ech_config_for`
    returns it). Returns the inner hello as TLS records, as the client's TLS stack wrote
    it before :func:`seal_client_hello` (``open(seal(x)) == x``). Raises
    :class:`~censorsim.wire.MalformedPacket` or :class:`~censorsim.wire.Incomplete` when
    ``outer`` is not a whole, well-formed ClientHello, and :class:`ECHError` when it does
    not open: no ECH extension, another config, a wrong key, an outer hello altered after
    sealing (it is the AEAD's associated data), or an inner hello the draft forbids.
    """
    if not isinstance(config, ECHConfig):
        raise ECHError(f"config must be an ECHConfig, got {type(config).__name__}")
    hello = _Hello.read(outer)
    body = hello.ext(_EXT_ECH)
    if body is None:
        raise ECHError("the ClientHello carries no encrypted_client_hello extension")
    ech, payload_at = _read_ech(body)
    if ech.kind != "outer":
        raise ECHError("the ClientHello carries an inner encrypted_client_hello, not an outer")
    if ech.config_id != config.config_id:
        raise ECHError(
            f"config_id 0x{ech.config_id:02x} is not this config's (0x{config.config_id:02x})"
        )
    if (ech.kdf_id, ech.aead_id) not in config.cipher_suites:
        raise ECHError(
            f"cipher suite KDF 0x{ech.kdf_id:04x} / AEAD 0x{ech.aead_id:04x} is not one of "
            f"the config's {list(config.cipher_suites)}"
        )
    suite = _suite(config.kem_id, ech.kdf_id, ech.aead_id)
    zeroed = body[:payload_at] + bytes(len(ech.payload))
    hello.extensions = [(t, zeroed if t == _EXT_ECH else b) for t, b in hello.extensions]
    aad = hello.body()
    try:
        skr = suite.kem.deserialize_private_key(private_key)
        context = suite.create_recipient_context(ech.enc, skr, info=_info(config))
        encoded = context.open(ech.payload, aad)
    except (PyHPKEError, ValueError, TypeError) as exc:
        raise ECHError(
            "cannot open the encrypted_client_hello: the private key is not the config's, "
            "or the ClientHelloOuter was changed after sealing (it is authenticated as "
            f"associated data): {type(exc).__name__}"
        ) from None
    inner = _decode_inner(encoded, hello.session_id)
    records = _records(inner.body(), bytes(outer[1:3]))
    marker = inner.ext(_EXT_ECH)
    if marker is None or _read_ech(marker)[0].kind != "inner":
        raise ECHError("the ClientHelloInner lacks the inner encrypted_client_hello extension")
    versions = _versions(inner.ext(_EXT_SUPPORTED_VERSIONS))
    if _TLS13 not in versions or _tls12_offered(versions):
        raise ECHError("the ClientHelloInner offers TLS 1.2 or below (draft section 7.1)")
    if inner.ext(_EXT_OUTER_EXTENSIONS) is not None:
        raise ECHError("ech_outer_extensions (compressed inner extensions) is not modelled")
    parse_client_hello(records)  # the recovered hello is a well-formed ClientHello
    inner.extensions = [(t, b) for t, b in inner.extensions if t != _EXT_ECH]
    return _records(inner.body(), bytes(outer[1:3]))


def _decode_inner(encoded: bytes, session_id: bytes) -> _Hello:
    """EncodedClientHelloInner -> ClientHelloInner (draft section 5.1)."""
    r = _Bytes(encoded, "EncodedClientHelloInner")
    try:
        r.take(2 + 32, "legacy_version and random")
        sid = r.vec(1, "legacy_session_id")
        r.vec(2, "cipher_suites")
        r.vec(1, "compression_methods")
        r.vec(2, "extensions")
    except MalformedPacket as exc:
        raise ECHError(f"the decrypted inner hello is not a ClientHello: {exc}") from None
    if sid:
        raise ECHError("EncodedClientHelloInner has a legacy_session_id: it must be empty")
    if encoded[r.pos :].strip(b"\x00"):
        raise ECHError("EncodedClientHelloInner padding is not all zeros (illegal_parameter)")
    body = encoded[: r.pos]
    try:
        inner = _Hello.read(_records(body, b"\x03\x01"))
    except (MalformedPacket, ValueError) as exc:
        raise ECHError(f"the decrypted inner hello is not a ClientHello: {exc}") from None
    inner.session_id = session_id
    return inner

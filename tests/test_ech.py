"""Encrypted Client Hello: ``censorsim.wire.ech`` against the draft, RFC 9180, dnspython and tshark.

The ECH layer is checked by someone else's arithmetic wherever possible: the HPKE suite
against RFC 9180's Appendix A.1.1 vector; the sealed payload against an HPKE open written
here from RFC 9180 with ``cryptography`` alone, over an AAD and an ``info`` rebuilt here
from the draft's text; the ECHConfigList against dnspython's HTTPS record and the shape of
Cloudflare's published record; the outer hello against tshark.
"""

from __future__ import annotations

import base64
import hmac
import ipaddress
import random
import subprocess

import dns.rdata
import dns.rdtypes.svcbbase
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from helpers import openssl_hello, require_program
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz import mutated

from censorsim.wire import (
    ECH_VERSION,
    ECHConfig,
    ECHError,
    Incomplete,
    MalformedPacket,
    Packet,
    ech_config_for,
    ech_config_list,
    extract_sni,
    open_client_hello,
    parse_client_hello,
    parse_ech_config_list,
    parse_encrypted_client_hello,
    seal_client_hello,
    write_pcap,
)
from censorsim.wire.ech import _suite

PUBLIC = "cloudflare-ech.com"
SECRET = "secret-site.example"
CONFIG, KEY = ech_config_for(PUBLIC, 7)
INNER = openssl_hello(SECRET, 1, tls13_only=True, alpn=("h2", "http/1.1"))


def sealed(inner: bytes = INNER, config: ECHConfig = CONFIG, seed: int = 3) -> bytes:
    return seal_client_hello(inner, config, rng=random.Random(seed))


OUTER = sealed()


# -- HPKE, from RFC 9180 ----------------------------------------------------------------------
def _extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.digest(salt, ikm, "sha256")


def _expand(prk: bytes, info: bytes, length: int) -> bytes:
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.digest(prk, block + info + bytes([i]), "sha256")
        out, i = out + block, i + 1
    return out[:length]


def hpke_open_by_hand(sk_r: bytes, enc: bytes, info: bytes, aad: bytes, ct: bytes) -> bytes:
    """RFC 9180 base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, first
    message: written from the RFC's pseudocode with ``cryptography`` only (no pyhpke)."""
    kem, hpke = b"KEM\x00\x20", b"HPKE\x00\x20\x00\x01\x00\x01"

    def labeled_extract(suite, salt, label, ikm):
        return _extract(salt, b"HPKE-v1" + suite + label + ikm)

    def labeled_expand(suite, prk, label, info_, length):
        return _expand(prk, length.to_bytes(2, "big") + b"HPKE-v1" + suite + label + info_, length)

    sk = X25519PrivateKey.from_private_bytes(sk_r)
    dh = sk.exchange(X25519PublicKey.from_public_bytes(enc))
    kem_context = enc + sk.public_key().public_bytes_raw()
    shared = labeled_expand(
        kem, labeled_extract(kem, b"", b"eae_prk", dh), b"shared_secret", kem_context, 32
    )
    context = (
        b"\x00"
        + labeled_extract(hpke, b"", b"psk_id_hash", b"")
        + labeled_extract(hpke, b"", b"info_hash", info)
    )
    secret = labeled_extract(hpke, shared, b"secret", b"")
    key = labeled_expand(hpke, secret, b"key", context, 16)
    nonce = labeled_expand(hpke, secret, b"base_nonce", context, 12)
    return AESGCM(key).decrypt(nonce, ct, aad)


# RFC 9180 A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode
A11 = {
    "ikmE": "7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234",
    "skEm": "52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736",
    "ikmR": "6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037",
    "skRm": "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
    "pkRm": "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d",
    "enc": "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
    "info": "4f6465206f6e2061204772656369616e2055726e",  # "Ode on a Grecian Urn"
    "aad": "436f756e742d30",  # "Count-0"
    "pt": "4265617574792069732074727574682c20747275746820626561757479",
    "ct": "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a9"
    "6d8770ac83d07bea87e13c512a",
}
V = {k: bytes.fromhex(v) for k, v in A11.items()}


class TestHPKE:
    def test_the_suite_ech_uses_reproduces_rfc9180_a11(self):
        # the very calls seal_client_hello and ech_config_for make: DeriveKeyPair, then a
        # sender context with a derived ephemeral key
        suite = _suite(0x0020, 0x0001, 0x0001)
        receiver = suite.kem.derive_key_pair(V["ikmR"])
        assert receiver.private_key.to_private_bytes() == V["skRm"]
        assert receiver.public_key.to_public_bytes() == V["pkRm"]
        ephemeral = suite.kem.derive_key_pair(V["ikmE"])
        assert ephemeral.private_key.to_private_bytes() == V["skEm"]
        pk = suite.kem.deserialize_public_key(V["pkRm"])
        enc, context = suite.create_sender_context(pk, info=V["info"], eks=ephemeral)
        assert enc == V["enc"]
        assert context.seal(V["pt"], V["aad"]) == V["ct"]

    def test_the_hand_written_open_reproduces_rfc9180_a11(self):
        assert hpke_open_by_hand(V["skRm"], V["enc"], V["info"], V["aad"], V["ct"]) == V["pt"]


# -- ECHConfig and ECHConfigList ---------------------------------------------------------------
class TestConfig:
    def test_layout_and_round_trip(self):
        wire = ech_config_list(CONFIG)
        name = PUBLIC.encode()
        expected = (
            b"\xfe\x0d"
            + (1 + 2 + 2 + 32 + 2 + 4 + 1 + 1 + len(name) + 2).to_bytes(2, "big")
            + bytes([CONFIG.config_id])
            + b"\x00\x20\x00\x20"  # KEM X25519, a 32-byte key
            + CONFIG.public_key
            + b"\x00\x04\x00\x01\x00\x01"  # one suite: HKDF-SHA256, AES-128-GCM
            + b"\x00"  # maximum_name_length
            + bytes([len(name)])
            + name
            + b"\x00\x00"  # no extensions
        )
        assert wire == len(expected).to_bytes(2, "big") + expected
        assert parse_ech_config_list(wire) == (CONFIG,)

    def test_same_shape_as_cloudflares_published_record(self):
        # case-facts 7.3 (net4people #393, 13 Sep 2024): Cloudflare's HTTPS record reads
        # ech=AEX+DQ..., a 69-byte list of one 0xfe0d config for cloudflare-ech.com
        assert base64.b64encode(ech_config_list(CONFIG)).startswith(b"AEX+DQ")

    def test_dnspython_carries_it_in_an_https_record(self):
        b64 = base64.b64encode(ech_config_list(CONFIG)).decode()
        rdata = dns.rdata.from_text("IN", "HTTPS", f'1 . alpn="h2,h3" ech="{b64}"')
        wire = rdata.to_wire()
        again = dns.rdata.from_wire("IN", "HTTPS", wire, 0, len(wire))
        param = again.params[dns.rdtypes.svcbbase.ParamKey.ECH]
        assert parse_ech_config_list(param.ech) == (CONFIG,)

    def test_several_configs_and_unknown_versions(self):
        other, _ = ech_config_for("ech.cdn.example", 1, maximum_name_length=40)
        future = b"\xfe\x99\x00\x03abc"  # a version clients must skip
        body = CONFIG.to_bytes() + future + other.to_bytes()
        assert parse_ech_config_list(len(body).to_bytes(2, "big") + body) == (CONFIG, other)
        assert parse_ech_config_list(ech_config_list(CONFIG, other)) == (CONFIG, other)

    def test_extensions_round_trip(self):
        config = ECHConfig(5, b"k" * 32, "ech.example", extensions=((0x1234, b"x"), (0xFF00, b"")))
        assert parse_ech_config_list(ech_config_list(config)) == (config,)

    def test_deterministic_keys(self):
        assert ech_config_for(PUBLIC, 7) == (CONFIG, KEY)
        assert ech_config_for(PUBLIC, 8)[1] != KEY
        assert ech_config_for("other.example", 7)[1] != KEY
        assert ech_config_for(PUBLIC, 7, config_id=0x61)[0].config_id == 0x61
        assert len(KEY) == 32 and len(CONFIG.public_key) == 32

    @pytest.mark.parametrize(
        "wire",
        [
            b"",
            b"\x00",
            b"\x00\x02\xfe\x0d",
            b"\x00\x00",
            ech_config_list(CONFIG)[:-1],
            ech_config_list(CONFIG) + b"\x00",
        ],
    )
    def test_malformed_lists(self, wire):
        with pytest.raises(MalformedPacket):
            parse_ech_config_list(wire)

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"public_name": "1.2.3.4"}, "IPv4"),
            ({"public_name": "bad name.example"}, "letters, digits"),
            ({"public_name": ""}, "non-empty"),
            ({"config_id": 256}, "config_id"),
            ({"public_key": b""}, "public_key"),
            ({"cipher_suites": ()}, "cipher_suites"),
            ({"maximum_name_length": -1}, "maximum_name_length"),
        ],
    )
    def test_bad_fields_are_named(self, kwargs, message):
        fields = {"config_id": 1, "public_key": b"k" * 32, "public_name": "ech.example"}
        with pytest.raises(ValueError, match=message):
            ECHConfig(**{**fields, **kwargs})

    def test_repr(self):
        assert repr(CONFIG) == (
            f"<ECHConfig id=0x{CONFIG.config_id:02x} public_name='cloudflare-ech.com' "
            "KEM=X25519 suites=[HKDF-SHA256/AES-128-GCM] max_name=0>"
        )


# -- sealing and opening -----------------------------------------------------------------------
def _extensions(hs: bytes) -> dict[int, tuple[int, int]]:
    """Extension type -> (start, end) in a ClientHello handshake message, walked by hand."""
    i = 4 + 2 + 32
    i += 1 + hs[i]  # session id
    i += 2 + int.from_bytes(hs[i : i + 2], "big")  # cipher suites
    i += 1 + hs[i]  # compression methods
    end = i + 2 + int.from_bytes(hs[i : i + 2], "big")
    i += 2
    out = {}
    while i < end:
        t, n = int.from_bytes(hs[i : i + 2], "big"), int.from_bytes(hs[i + 2 : i + 4], "big")
        out[t] = (i + 4, i + 4 + n)
        i += 4 + n
    return out


class TestSealAndOpen:
    def test_round_trip(self):
        assert open_client_hello(OUTER, KEY, CONFIG) == INNER

    def test_a_censor_sees_the_public_name_and_the_extension(self):
        hello = parse_client_hello(OUTER)
        assert hello.sni == PUBLIC and extract_sni(OUTER) == PUBLIC
        assert hello.ech and hello.extension_names[-1] == "encrypted_client_hello"
        ech = parse_encrypted_client_hello(OUTER)
        assert (ech.kind, ech.kdf_id, ech.aead_id) == ("outer", 1, 1)
        assert ech.config_id == CONFIG.config_id and len(ech.enc) == 32
        assert parse_encrypted_client_hello(INNER) is None

    def test_the_inner_name_is_nowhere_in_the_outer_bytes(self):
        for form in (SECRET, "secret-site", SECRET.upper()):
            assert form.encode() not in OUTER
        assert SECRET.encode() in INNER

    def test_outer_copies_the_rest_with_a_fresh_random(self):
        inner, outer = parse_client_hello(INNER), parse_client_hello(OUTER)
        assert outer.random != inner.random and outer.session_id == inner.session_id
        assert outer.cipher_suites == inner.cipher_suites and outer.alpn == inner.alpn
        assert outer.supported_versions == inner.supported_versions == (0x0304,)
        # everything is copied but OpenSSL's padding extension (the outer is large anyway)
        assert "padding" in inner.extension_names and "padding" not in outer.extension_names
        expected = [n for n in inner.extension_names if n != "padding"]
        assert list(outer.extension_names) == [*expected, "encrypted_client_hello"]

    def test_an_independent_open_of_the_payload(self):
        # the AAD and info rebuilt from the draft's words, HPKE opened by hand
        hs = OUTER[5:]
        start, end = _extensions(hs)[0xFE0D]
        ext = hs[start:end]
        enc_len = int.from_bytes(ext[6:8], "big")
        enc = ext[8 : 8 + enc_len]
        payload_at = start + 8 + enc_len + 2
        payload = hs[payload_at:end]
        aad = hs[4:payload_at] + bytes(len(payload)) + hs[end:]  # section 5.2
        info = b"tls ech\x00" + ech_config_list(CONFIG)[2:]  # section 6.1
        encoded = hpke_open_by_hand(KEY, enc, info, aad, payload)
        # EncodedClientHelloInner (section 5.1): the inner ClientHello structure with an
        # empty session id and an "inner" encrypted_client_hello, then zeros to 32 bytes
        body = INNER[9:]
        sid = body[34]
        rest = body[35 + sid :]
        exts_at = 2 + int.from_bytes(rest[:2], "big")
        exts_at += 1 + rest[exts_at]
        exts = rest[exts_at + 2 :]
        expected = (
            body[:34]
            + b"\x00"
            + rest[:exts_at]
            + (len(exts) + 5).to_bytes(2, "big")
            + exts
            + b"\xfe\x0d\x00\x01\x01"
        )
        assert encoded[: len(expected)] == expected
        assert not encoded[len(expected) :].strip(b"\x00")
        assert len(encoded) % 32 == 0

    def test_padding_hides_the_length_of_the_name(self):
        # section 6.1.3: pad the name to maximum_name_length, then the whole to 32 bytes.
        # (These hellos stay under 256 bytes, so OpenSSL adds no padding extension of its
        # own: that one stays in the inner hello, see the module docstring.)
        config, key = ech_config_for(PUBLIC, 7, maximum_name_length=40)
        sizes = set()
        for name in ("a.example", "ab.example", "a-much-longer-name.example"):
            inner = openssl_hello(name, 2, tls13_only=True, alpn=())
            assert "padding" not in parse_client_hello(inner).extension_names
            outer = sealed(inner, config)
            sizes.add(len(parse_encrypted_client_hello(outer).payload))
            assert extract_sni(open_client_hello(outer, key, config)) == name
        assert len(sizes) == 1
        (size,) = sizes
        assert (size - 16) % 32 == 0  # the AEAD tag is 16 bytes

    @pytest.mark.parametrize(
        ("name", "maximum_name_length"),
        [
            ("a.example", 0),
            ("ab.example", 0),
            ("abc.example", 0),
            ("abcd.example", 0),
            ("a.example", 100),
            ("a-much-longer-name.example", 100),
            (None, 0),
            (None, 100),
        ],
    )
    def test_payload_length_follows_the_padding_rule(self, name, maximum_name_length):
        # section 6.1.3: max(0, L - D) for a name of D bytes (L + 9 without a name), then
        # up to a multiple of 32; plus the 16-byte AEAD tag
        config, _ = ech_config_for(PUBLIC, 7, maximum_name_length=maximum_name_length)
        inner = openssl_hello(name, 2, tls13_only=True, alpn=())
        body = inner[9:]
        unpadded = len(body) - body[34] + 5  # no session id; the 5-byte inner marker
        if name is None:
            unpadded += maximum_name_length + 9
        else:
            unpadded += max(0, maximum_name_length - len(name))
        expected = -(-unpadded // 32) * 32 + 16
        payload = parse_encrypted_client_hello(sealed(inner, config)).payload
        assert len(payload) == expected

    def test_lengths_already_a_multiple_of_32_get_no_more_padding(self):
        # 32 consecutive values of maximum_name_length: one of them makes the unpadded
        # length a multiple of 32, which N = 31 - ((L - 1) % 32) leaves as it is
        inner = openssl_hello("a.example", 2, tls13_only=True, alpn=())
        sizes = []
        for maximum_name_length in range(40, 72):
            config, _ = ech_config_for(PUBLIC, 7, maximum_name_length=maximum_name_length)
            sizes.append(len(parse_encrypted_client_hello(sealed(inner, config)).payload))
        assert sorted(set(sizes)) == [min(sizes), min(sizes) + 32]
        assert sizes.count(min(sizes)) + sizes.count(min(sizes) + 32) == 32
        unpadded = len(inner[9:]) - inner[9 + 34] + 5 + 40 - len("a.example")
        assert sizes.index(min(sizes) + 32) == (-unpadded) % 32 + 1

    def test_deterministic(self):
        assert sealed(seed=3) == OUTER
        assert sealed(seed=4) != OUTER
        assert open_client_hello(sealed(seed=4), KEY, CONFIG) == INNER

    def test_a_hello_without_a_name(self):
        nameless = openssl_hello(None, 5, tls13_only=True)
        outer = sealed(nameless)
        assert parse_client_hello(outer).sni == PUBLIC  # the outer always names the CDN
        assert open_client_hello(outer, KEY, CONFIG) == nameless

    def test_a_wrong_key_fails_clearly(self):
        _, other_key = ech_config_for(PUBLIC, 8)
        with pytest.raises(ECHError, match="private key is not the config's"):
            open_client_hello(OUTER, other_key, CONFIG)

    def test_another_config_is_refused_by_its_id(self):
        other, other_key = ech_config_for(PUBLIC, 7, config_id=(CONFIG.config_id + 1) % 256)
        with pytest.raises(ECHError, match="config_id"):
            open_client_hello(OUTER, other_key, other)

    @pytest.mark.parametrize(
        "where", ["random", "session id", "cipher suites", "an extension", "enc", "payload"]
    )
    def test_any_changed_byte_fails_to_open(self, where):
        hs = OUTER[5:]
        exts = _extensions(hs)
        start, _ = exts[0xFE0D]
        positions = {
            "random": 4 + 2 + 5,
            "session id": 4 + 2 + 32 + 1 + 3,
            "cipher suites": 4 + 2 + 32 + 1 + hs[38] + 2 + 1,
            "an extension": exts[10][0] + 3,  # supported_groups
            "enc": start + 8 + 4,
            "payload": len(hs) - 20,
        }
        i = 5 + positions[where]
        altered = OUTER[:i] + bytes([OUTER[i] ^ 0x01]) + OUTER[i + 1 :]
        assert parse_client_hello(altered).sni == PUBLIC  # still a well-formed hello
        with pytest.raises(ECHError, match="changed after sealing"):
            open_client_hello(altered, KEY, CONFIG)

    def test_what_cannot_be_sealed(self):
        with pytest.raises(ECHError, match="TLS 1.2 or below"):
            sealed(openssl_hello(SECRET, 1))  # offers TLS 1.2 as well
        with pytest.raises(ECHError, match="already carries"):
            sealed(OUTER)
        with pytest.raises(Incomplete):
            sealed(INNER[:200])
        with pytest.raises(MalformedPacket):
            sealed(b"\x17\x03\x03\x00\x05hello")
        mandatory = ECHConfig(1, CONFIG.public_key, PUBLIC, extensions=((0x8001, b""),))
        with pytest.raises(ECHError, match="mandatory"):
            sealed(config=mandatory)
        unknown_suite = ECHConfig(1, CONFIG.public_key, PUBLIC, cipher_suites=((9, 9),))
        with pytest.raises(ECHError, match="no HPKE suite"):
            sealed(config=unknown_suite)

    def test_what_cannot_be_opened(self):
        with pytest.raises(ECHError, match="no encrypted_client_hello"):
            open_client_hello(INNER, KEY, CONFIG)
        with pytest.raises(Incomplete):
            open_client_hello(OUTER[:300], KEY, CONFIG)
        with pytest.raises(MalformedPacket):
            open_client_hello(b"\x00" * 10, KEY, CONFIG)

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (lambda e: e[:-1] + b"\x01", "padding is not all zeros"),
            (lambda e: e[:34] + b"\x01X" + e[35:-1], "legacy_session_id"),
            (lambda e: e.replace(b"\xfe\x0d\x00\x01\x01", b"\xfe\x0e\x00\x01\x01"), "lacks"),
            (
                lambda e: e.replace(
                    b"\x00\x2b\x00\x03\x02\x03\x04", b"\x00\x2b\x00\x03\x02\x03\x03"
                ),
                "TLS 1.2",
            ),
            (lambda e: e.replace(b"\x00\x0b\x00\x04", b"\xfd\x00\x00\x04", 1), "ech_outer"),
            (lambda e: e[:40] + bytes(len(e) - 40), "not a ClientHello"),
        ],
    )
    def test_the_server_checks_what_it_decrypts(self, change, message):
        # an outer hello whose payload is sealed, with the client's own HPKE context, over an
        # EncodedClientHelloInner that breaks one rule of sections 5.1 and 7.1
        rng = random.Random(3)  # the seed of OUTER: its first draw is the ephemeral key
        suite = _suite(0x0020, 0x0001, 0x0001)
        ephemeral = suite.kem.derive_key_pair(rng.randbytes(32))
        public = suite.kem.deserialize_public_key(CONFIG.public_key)
        info = b"tls ech\x00" + CONFIG.to_bytes()
        enc, context = suite.create_sender_context(public, info=info, eks=ephemeral)
        hs = OUTER[5:]
        start, end = _extensions(hs)[0xFE0D]
        assert hs[start + 8 : start + 8 + len(enc)] == enc  # the same HPKE context
        payload_at = start + 8 + len(enc) + 2
        aad = hs[4:payload_at] + bytes(end - payload_at) + hs[end:]
        encoded = hpke_open_by_hand(KEY, enc, info, aad, hs[payload_at:end])
        broken = change(encoded)
        assert len(broken) == len(encoded) and broken != encoded
        forged = OUTER[: 5 + payload_at] + context.seal(broken, aad) + OUTER[5 + end :]
        with pytest.raises(ECHError, match=message):
            open_client_hello(forged, KEY, CONFIG)

    def test_a_pre_shared_key_is_greased_in_the_outer_hello(self):
        # an inner hello resuming a session: its PSK must not show in the outer one
        hs = INNER[5:]
        identity, binder = b"I" * 40, b"B" * 32
        psk = (
            (len(identity) + 6).to_bytes(2, "big")
            + len(identity).to_bytes(2, "big")
            + identity
            + b"\x00\x00\x00\x07"
            + (len(binder) + 1).to_bytes(2, "big")
            + bytes([len(binder)])
            + binder
        )
        ext = b"\x00\x29" + len(psk).to_bytes(2, "big") + psk
        body = hs[4:] + ext
        exts_at = len(body) - len(ext) - sum(e - s + 4 for s, e in _extensions(hs).values()) - 2
        total = int.from_bytes(body[exts_at : exts_at + 2], "big") + len(ext)
        body = body[:exts_at] + total.to_bytes(2, "big") + body[exts_at + 2 :]
        msg = b"\x01" + len(body).to_bytes(3, "big") + body
        resuming = b"\x16\x03\x01" + len(msg).to_bytes(2, "big") + msg
        assert parse_client_hello(resuming).extension_names[-1] == "pre_shared_key"
        outer = sealed(resuming)
        assert identity not in outer and binder not in outer
        names = parse_client_hello(outer).extension_names
        assert names[-2:] == ("encrypted_client_hello", "pre_shared_key")  # PSK stays last
        opened = open_client_hello(outer, KEY, CONFIG)
        assert opened == resuming


# -- tshark ------------------------------------------------------------------------------------
def _tcp_flow(payload: bytes) -> list[tuple[float, bytes]]:
    c, s = ipaddress.ip_address("192.0.2.10"), ipaddress.ip_address("203.0.113.5")
    packets = [
        Packet(c, s, "tcp", 40000, 443, flags="S", seq=0),
        Packet(s, c, "tcp", 443, 40000, flags="SA", seq=0, ack=1),
        Packet(c, s, "tcp", 40000, 443, flags="A", seq=1, ack=1),
        Packet(c, s, "tcp", 40000, 443, flags="PA", seq=1, ack=1, payload=payload),
    ]
    return [(1.0 + i / 10, p.to_bytes()) for i, p in enumerate(packets)]


def _tshark_fields(path, *fields) -> list[str]:
    tshark = require_program("tshark")
    args = [tshark, "-r", str(path), "-Y", "tls.handshake.type == 1", "-T", "fields"]
    for f in fields:
        args += ["-e", f]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return out.strip().split("\t")


def test_tshark_sees_the_public_name_and_the_extension(tmp_path):
    path = write_pcap(tmp_path / "ech.pcap", _tcp_flow(OUTER))
    name, types = _tshark_fields(
        path, "tls.handshake.extensions_server_name", "tls.handshake.extension.type"
    )
    assert name == PUBLIC
    assert str(ECH_VERSION) in types.split(",")  # 65037


def test_tshark_decodes_the_ech_extension(tmp_path):
    tshark = require_program("tshark")
    listing = subprocess.run(
        [tshark, "-G", "fields"], capture_output=True, text=True, check=True
    ).stdout
    config_fields = [
        line.split("\t")[2]
        for line in listing.splitlines()
        if line.startswith("F\t")
        and line.split("\t")[2].startswith("tls.ech.")
        and "config_id" in line.split("\t")[2]
    ]
    if not config_fields:
        version = subprocess.run([tshark, "-v"], capture_output=True, text=True).stdout
        pytest.skip(
            f"this tshark ({version.splitlines()[0]}) has no ECH dissector: it shows extension "
            "65037 as unknown (the other tshark test checks that it is there)"
        )
    path = write_pcap(tmp_path / "ech.pcap", _tcp_flow(OUTER))
    (config_id,) = _tshark_fields(path, config_fields[0])
    assert int(config_id, 0) == CONFIG.config_id


# -- property-based ----------------------------------------------------------------------------
def _open_outcome(data: bytes) -> object:
    try:
        return open_client_hello(data, KEY, CONFIG)
    except (ECHError, Incomplete, MalformedPacket) as exc:
        assert str(exc)
        return type(exc)


def _handshake(records: bytes) -> bytes:
    """The ClientHello message carried by the leading handshake records of a stream."""
    out, i = b"", 0
    while i + 5 <= len(records) and records[i] == 0x16:
        n = int.from_bytes(records[i + 3 : i + 5], "big")
        out, i = out + records[i + 5 : i + 5 + n], i + 5 + n
    return out[: parse_client_hello(records).length]


@given(mutated(OUTER))
def test_mutated_outer_hellos_never_open_to_something_else(data):
    got = _open_outcome(data)
    if isinstance(got, bytes):
        # only what the AAD does not cover may change: the record layer around the hello,
        # and what follows it in the stream
        assert _handshake(data) == _handshake(OUTER)
        assert _handshake(got) == _handshake(INNER)
    else:
        assert got in (ECHError, Incomplete, MalformedPacket)


@given(st.binary(max_size=400))
def test_arbitrary_bytes_are_explicit_errors(data):
    assert _open_outcome(data) in (ECHError, Incomplete, MalformedPacket)


@given(mutated(ech_config_list(CONFIG)))
def test_mutated_config_lists(data):
    try:
        configs = parse_ech_config_list(data)
    except MalformedPacket:
        return
    assert all(isinstance(c, ECHConfig) for c in configs)
    assert parse_ech_config_list(ech_config_list(*configs)) == configs if configs else True


@given(st.integers(0, 2**32), st.integers(0, 2**32))
def test_any_seed_round_trips(key_seed, rng_seed):
    config, key = ech_config_for("ech.example", key_seed)
    outer = seal_client_hello(INNER, config, rng=random.Random(rng_seed))
    assert open_client_hello(outer, key, config) == INNER
    assert parse_client_hello(outer).sni == "ech.example"

"""QUIC Initial packets as a censor reads them: ``censorsim.wire.extract_quic_sni`` and friends.

Checked against three independent sources: the test vectors of RFC 9001 Appendix A and
RFC 9369 Appendix A (keys and a client Initial for QUIC v1 and v2), aioquic (its client's
first datagrams, and its packet protection used to build and to open packets), and tshark,
which decrypts QUIC Initials by itself. Then the contract: ``Incomplete`` for valid
beginnings, ``MalformedPacket`` for the rest, and never another exception (hypothesis).
"""

from __future__ import annotations

import ipaddress
import subprocess

import pytest
from aioquic.buffer import Buffer
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.connection import QuicConnection
from aioquic.quic.crypto import CryptoPair
from aioquic.quic.packet import pull_quic_header
from helpers import openssl_hello, require_program
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz import mutated

from censorsim.wire import (
    QUIC_V1,
    QUIC_V2,
    Incomplete,
    MalformedPacket,
    Packet,
    build_quic_initial,
    extract_quic_sni,
    parse_client_hello,
    parse_quic_initial,
    quic_initial_keys,
    write_pcap,
)

# -- RFC 9001 Appendix A and RFC 9369 Appendix A -------------------------------------------
# The client's Initial of RFC 9001 A.2 (QUIC v1): Destination Connection ID 8394c8f03e515708,
# packet number 2, a CRYPTO frame holding a ClientHello for example.com, 917 PADDING bytes.
RFC9001_CLIENT_INITIAL = bytes.fromhex(
    "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
    "d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
    "1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
    "8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
    "30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
    "457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
    "4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
    "4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
    "485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
    "059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
    "7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
    "9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
    "be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
    "68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
    "c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
    "f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
    "291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
    "25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
    "14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
    "ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
    "e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
    "c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
    "203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
    "cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
    "fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
    "a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
    "90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
    "162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
    "40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
    "6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
    "8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
    "be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
    "54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
    "760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
    "f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
    "056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
    "7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
    "e221af44860018ab0856972e194cd934"
)
RFC9369_CLIENT_INITIAL = bytes.fromhex(
    "d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
    "dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"
    "9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"
    "250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"
    "12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500"
    "cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68"
    "18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33"
    "12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3"
    "d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd"
    "6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520"
    "bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045"
    "636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f"
    "ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12"
    "16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5"
    "4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4"
    "fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b"
    "8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7"
    "14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9"
    "9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91"
    "abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd"
    "80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db"
    "848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18"
    "d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15"
    "c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc"
    "7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61"
    "f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710"
    "10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b"
    "3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e"
    "06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce"
    "8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1"
    "34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1"
    "e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd"
    "5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3"
    "8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89"
    "d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53"
    "6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19"
    "9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b"
    "a18b2faa745b6fe189cf772a9f84cbfc"
)
RFC9001_CRYPTO_FRAME = bytes.fromhex(
    "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
    "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
    "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
    "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
    "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
    "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
    "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
    "75300901100f088394c8f03e51570806048000ffff"
)
RFC9001_SERVER_INITIAL = bytes.fromhex(
    "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a"
    "5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3"
    "dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84"
    "022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4"
    "2158407dd074ee"
)
RFC_DCID = bytes.fromhex("8394c8f03e515708")
RFC_HEADER = bytes.fromhex("c300000001088394c8f03e5157080000449e00000002")  # A.2, unprotected


def outcome(*datagrams) -> object:
    """extract_quic_sni's answer: the name (str or None) or the exception class it raised.

    Any other exception propagates and fails the test.
    """
    try:
        name = extract_quic_sni(*datagrams)
    except (Incomplete, MalformedPacket) as exc:
        assert type(exc) in (Incomplete, MalformedPacket), type(exc)
        assert str(exc)  # every error says what is wrong
        return type(exc)
    assert name is None or (isinstance(name, str) and name.isascii()), name
    return name


class TestRFCVectors:
    @pytest.mark.parametrize(
        ("server", "secret", "key", "iv", "hp"),
        [  # RFC 9001 A.1
            (
                False,
                "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea",
                "1f369613dd76d5467730efcbe3b1a22d",
                "fa044b2f42a3fd3b46fb255c",
                "9f50449e04a0e810283a1e9933adedd2",
            ),
            (
                True,
                "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b",
                "cf3a5331653c364c88f0f379b6067e37",
                "0ac1493ca1905853b0bba03e",
                "c206b8d9b9f0f37644430b490eeaa314",
            ),
        ],
    )
    def test_initial_keys_v1(self, server, secret, key, iv, hp):
        keys = quic_initial_keys(RFC_DCID, QUIC_V1, server=server)
        assert (keys.secret.hex(), keys.key.hex(), keys.iv.hex(), keys.hp.hex()) == (
            secret,
            key,
            iv,
            hp,
        )

    def test_initial_keys_v2(self):
        # RFC 9369 A.1: other salt, "quicv2" labels
        keys = quic_initial_keys(RFC_DCID, QUIC_V2)
        assert keys.secret.hex() == (
            "14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b"
        )
        assert keys.key.hex() == "8b1a0bc121284290a29e0971b5cd045d"
        assert keys.iv.hex() == "91f73e2351d8fa91660e909f"
        assert keys.hp.hex() == "45b95e15235d6f45a6b19cbcb0294ba9"

    def test_client_initial_v1_decrypts_to_the_rfc_plaintext(self):
        initial = parse_quic_initial(RFC9001_CLIENT_INITIAL)
        (packet,) = initial.packets
        assert (initial.version, initial.dcid, initial.scid) == (QUIC_V1, RFC_DCID, b"")
        assert packet.header == RFC_HEADER  # header protection removed: pn 2, 4 bytes
        assert packet.packet_number == 2
        assert packet.payload == RFC9001_CRYPTO_FRAME + bytes(917)
        assert [repr(f) for f in packet.frames] == ["CRYPTO[0:241]", "PADDING x917"]
        assert initial.crypto == RFC9001_CRYPTO_FRAME[4:]  # the bare ClientHello
        assert initial.skipped == 0

    def test_client_initial_v1_names_example_com(self):
        assert extract_quic_sni(RFC9001_CLIENT_INITIAL) == "example.com"
        hello = parse_quic_initial(RFC9001_CLIENT_INITIAL).client_hello()
        assert hello.sni == "example.com" and hello.alpn == ("alpn",)
        assert "quic_transport_parameters" in hello.extension_names

    def test_client_initial_v2_names_example_com(self):
        initial = parse_quic_initial(RFC9369_CLIENT_INITIAL)
        assert initial.version == QUIC_V2 and initial.packets[0].packet_number == 2
        assert initial.crypto == RFC9001_CRYPTO_FRAME[4:]  # the same hello as RFC 9001's
        assert extract_quic_sni(RFC9369_CLIENT_INITIAL) == "example.com"

    def test_server_initial_is_not_a_client_initial(self):
        # RFC 9001 A.3: protected with the server's keys, which a client's DCID does not give
        with pytest.raises(MalformedPacket, match="does not decrypt"):
            extract_quic_sni(RFC9001_SERVER_INITIAL)

    def test_every_byte_of_the_rfc_packet_is_authenticated(self):
        # one flipped bit anywhere after the first byte: another DCID (other keys), another
        # length (cut), or a failed AEAD tag; never the name
        for i in range(1, len(RFC9001_CLIENT_INITIAL), 7):
            data = bytearray(RFC9001_CLIENT_INITIAL)
            data[i] ^= 0x01
            assert outcome(bytes(data)) in (Incomplete, MalformedPacket), i

    def test_every_proper_prefix_is_incomplete(self):
        for k in range(len(RFC9001_CLIENT_INITIAL)):
            assert outcome(RFC9001_CLIENT_INITIAL[:k]) is Incomplete, k


# -- aioquic's own client ----------------------------------------------------------------------
def aioquic_first_flight(server_name: str, alpn=("h3",), version: int = QUIC_V1) -> list[bytes]:
    """The datagrams aioquic's client sends first (I/O-free: connect, datagrams_to_send)."""
    config = QuicConfiguration(
        is_client=True,
        server_name=server_name,
        alpn_protocols=list(alpn),
        original_version=version,
        supported_versions=[version],
    )
    connection = QuicConnection(configuration=config)
    connection.connect(("203.0.113.5", 443), now=0)
    return [data for data, _addr in connection.datagrams_to_send(now=0)]


MANY_ALPN = tuple(f"protocol-{i:03d}" for i in range(150))  # 1.9 kB of ALPN: 2-3 datagrams


class TestAioquicClient:
    @pytest.mark.parametrize("version", [QUIC_V1, QUIC_V2])
    def test_first_datagram_names_the_server(self, version):
        (datagram,) = aioquic_first_flight("bakery.example", version=version)
        assert len(datagram) >= 1200  # RFC 9000 14.1
        assert extract_quic_sni(datagram) == "bakery.example"
        initial = parse_quic_initial(datagram)
        assert initial.version == version
        hello = initial.client_hello()
        assert hello.alpn == ("h3",) and "quic_transport_parameters" in hello.extension_names
        # aioquic fills the datagram with zero bytes after its Initial packet: not a
        # packet, read as a server reads it (skipped)
        assert initial.skipped == len(datagram) - sum(p.size for p in initial.packets)

    def test_a_hello_larger_than_a_datagram_spans_two(self):
        datagrams = aioquic_first_flight("bakery.example", alpn=MANY_ALPN)
        assert len(datagrams) >= 2
        initial = parse_quic_initial(*datagrams)
        pieces = [f for p in initial.packets for f in p.frames if f.kind == "CRYPTO"]
        assert len(pieces) == len(datagrams) and pieces[0].offset == 0
        for before, after in zip(pieces, pieces[1:], strict=False):
            assert after.offset == before.offset + before.length  # each continues the last
        hello = initial.client_hello()
        assert hello.alpn == MANY_ALPN and hello.sni == "bakery.example"
        assert hello.length == len(initial.crypto) > 1200
        # the first datagram alone does not hold the whole hello
        with pytest.raises(Incomplete):
            parse_quic_initial(datagrams[0]).client_hello()
        # the order in which a censor gets them does not matter
        assert extract_quic_sni(*datagrams[::-1]) == "bakery.example"
        # a later one alone lacks the start of the stream
        with pytest.raises(Incomplete, match="offset 0"):
            extract_quic_sni(datagrams[-1])

    def test_other_names_and_no_name(self):
        for name in ("a.example", "www.futbol-stream.example", "x" * 60 + ".example"):
            (datagram,) = aioquic_first_flight(name)
            assert extract_quic_sni(datagram) == name


# -- build_quic_initial, checked with aioquic's packet code ------------------------------------
def aioquic_open(datagram: bytes, dcid: bytes, version: int) -> list[tuple[int, bytes]]:
    """Decrypt every packet of a datagram as aioquic's server does: (number, plaintext)."""
    pair = CryptoPair()
    pair.setup_initial(cid=dcid, is_client=False, version=version)
    buf = Buffer(data=datagram)
    out = []
    while not buf.eof():
        start = buf.tell()
        header = pull_quic_header(buf, host_cid_length=len(dcid))
        assert header.destination_cid == dcid and header.version == version
        end = start + header.packet_length
        _, payload, number = pair.decrypt_packet(datagram[start:end], buf.tell() - start, 0)
        out.append((number, payload))
        buf.seek(end)
    return out


def crypto_data(payload: bytes) -> tuple[int, bytes]:
    """The offset and data of the CRYPTO frame a built packet starts with (aioquic reads it)."""
    buf = Buffer(data=payload)
    assert buf.pull_uint_var() == 0x06
    offset, length = buf.pull_uint_var(), buf.pull_uint_var()
    rest = buf.pull_bytes(length)
    assert not payload[buf.tell() :].strip(b"\x00")  # only PADDING follows
    return offset, rest


HELLO = openssl_hello("bakery.example", 1)
HANDSHAKE = HELLO[5:]  # one record: the bare ClientHello message
DCID = bytes.fromhex("0011223344556677")


class TestBuild:
    @pytest.mark.parametrize("version", [QUIC_V1, QUIC_V2])
    @pytest.mark.parametrize("coalesce", [False, True])
    def test_aioquic_opens_what_build_makes(self, version, coalesce):
        datagrams = build_quic_initial(
            HELLO, dcid=DCID, scid=b"\x01\x02", version=version, max_crypto=150, coalesce=coalesce
        )
        assert all(len(d) == 1200 for d in datagrams)
        packets = [p for d in datagrams for p in aioquic_open(d, DCID, version)]
        assert [n for n, _ in packets] == list(range(len(packets)))
        stream = b""
        for _number, payload in packets:
            offset, data = crypto_data(payload)
            assert offset == len(stream)
            stream += data
        assert stream == HANDSHAKE
        assert len(packets) == -(-len(HANDSHAKE) // 150)  # 150 bytes of CRYPTO each
        assert len(datagrams) == (1 if coalesce else len(packets))  # 4 x 200 bytes fit 1200

    def test_records_and_bare_message_give_the_same_datagrams(self):
        assert build_quic_initial(HELLO, dcid=DCID) == build_quic_initial(HANDSHAKE, dcid=DCID)

    def test_deterministic(self):
        a = build_quic_initial(HELLO, dcid=DCID, max_crypto=100)
        assert a == build_quic_initial(HELLO, dcid=DCID, max_crypto=100)
        assert a != build_quic_initial(HELLO, dcid=DCID[::-1], max_crypto=100)

    def test_round_trip_through_the_parser(self):
        for coalesce in (False, True):
            datagrams = build_quic_initial(HELLO, dcid=DCID, max_crypto=64, coalesce=coalesce)
            initial = parse_quic_initial(*datagrams)
            assert initial.crypto == HANDSHAKE and initial.dcid == DCID
            assert initial.client_hello() == parse_client_hello(HELLO)

    def test_token_and_larger_datagrams(self):
        datagrams = build_quic_initial(HELLO, dcid=DCID, token=b"T" * 40, datagram_size=1452)
        assert [len(d) for d in datagrams] == [1452]
        assert parse_quic_initial(*datagrams).packets[0].token == b"T" * 40

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"dcid": bytes(21)}, "at most 20"),
            ({"dcid": DCID, "version": 0xFF00001D}, "not QUIC v1"),
            ({"dcid": DCID, "datagram_size": 1000}, "between 1200"),
            ({"dcid": DCID, "max_crypto": 0}, "positive"),
            ({"dcid": DCID, "packet_number": 0xFFFF, "max_crypto": 100}, "2-byte"),
        ],
    )
    def test_bad_arguments_are_named(self, kwargs, message):
        with pytest.raises(ValueError, match=message):
            build_quic_initial(HELLO, **kwargs)

    def test_bad_hellos_are_refused(self):
        with pytest.raises(ValueError):
            build_quic_initial(b"", dcid=DCID)
        with pytest.raises(ValueError, match="after the ClientHello"):
            build_quic_initial(HANDSHAKE + b"\x00\x00", dcid=DCID)
        with pytest.raises(Incomplete):
            build_quic_initial(HANDSHAKE[:100], dcid=DCID)


# -- hand-made packets (aioquic protects them): frames, order, coalescing ----------------------
def varint(value: int) -> bytes:
    buf = Buffer(capacity=8)
    buf.push_uint_var(value)
    return buf.data


def crypto_frame(offset: int, data: bytes) -> bytes:
    return b"\x06" + varint(offset) + varint(len(data)) + data


def protect(
    payload: bytes,
    *,
    dcid: bytes = DCID,
    number: int = 0,
    version: int = QUIC_V1,
    packet_type: int | None = None,
    first_bits: int = 0,
    pn_length: int = 2,
    sender_is_client: bool = True,
    key_dcid: bytes | None = None,
) -> bytes:
    """A long-header packet protected by aioquic (Initial keys of ``key_dcid or dcid``)."""
    pair = CryptoPair()
    pair.setup_initial(cid=key_dcid or dcid, is_client=sender_is_client, version=version)
    if packet_type is None:
        packet_type = 0 if version == QUIC_V1 else 1
    first = 0xC0 | packet_type << 4 | first_bits | (pn_length - 1)
    token = b"\x00" if packet_type == (0 if version == QUIC_V1 else 1) else b""
    length = pn_length + len(payload) + 16
    header = (
        bytes([first])
        + version.to_bytes(4, "big")
        + bytes([len(dcid)])
        + dcid
        + b"\x00"  # empty Source Connection ID
        + token
        + (0x4000 | length).to_bytes(2, "big")
        + (number % 256**pn_length).to_bytes(pn_length, "big")  # truncated (RFC 9000 17.1)
    )
    return pair.encrypt_packet(header, payload, number)  # the full number makes the nonce


def pad(payload: bytes, size: int = 1100) -> bytes:
    return payload + bytes(max(0, size - len(payload)))


class TestFrames:
    def test_crypto_frames_in_any_order_with_ping_and_ack(self):
        a, b, c = HANDSHAKE[:100], HANDSHAKE[100:300], HANDSHAKE[300:]
        ack = b"\x02" + varint(5) + varint(0) + varint(1) + varint(2) + varint(0) + varint(1)
        ack_ecn = b"\x03" + varint(5) + varint(0) + varint(0) + varint(0) + b"\x01\x02\x03"
        payload = crypto_frame(300, c) + b"\x01" + ack + crypto_frame(100, b) + ack_ecn
        payload += b"\x00\x00" + crypto_frame(0, a)
        datagram = protect(pad(payload))
        assert extract_quic_sni(datagram) == "bakery.example"
        frames = [repr(f) for f in parse_quic_initial(datagram).packets[0].frames]
        assert frames[:4] == [f"CRYPTO[300:{len(HANDSHAKE)}]", "PING", "ACK", "CRYPTO[100:300]"]
        assert frames[5:7] == ["PADDING x2", "CRYPTO[0:100]"]

    def test_identical_overlaps_are_fine_conflicting_ones_are_malformed(self):
        same = crypto_frame(0, HANDSHAKE[:200]) + crypto_frame(150, HANDSHAKE[150:])
        assert extract_quic_sni(protect(pad(same))) == "bakery.example"
        forged = HANDSHAKE[150:160].replace(HANDSHAKE[150:151], b"\xff") + HANDSHAKE[160:]
        other = crypto_frame(0, HANDSHAKE[:200]) + crypto_frame(150, forged)
        if forged != HANDSHAKE[150:]:
            with pytest.raises(MalformedPacket, match="differs"):
                extract_quic_sni(protect(pad(other)))

    def test_connection_close_is_allowed_in_an_initial(self):
        close = b"\x1c" + varint(0x0A) + varint(0) + varint(3) + b"bye"
        assert extract_quic_sni(protect(pad(crypto_frame(0, HANDSHAKE) + close))) == (
            "bakery.example"
        )

    @pytest.mark.parametrize(
        ("frame", "name"),
        [
            (b"\x08\x00\x01x", "STREAM"),
            (b"\x07\x01t", "NEW_TOKEN"),
            (b"\x10\x05", "MAX_DATA"),
            (b"\x1e", "HANDSHAKE_DONE"),
            (b"\x1d\x00\x00", "CONNECTION_CLOSE"),  # the application's: 1-RTT only
            (b"\x30", "DATAGRAM"),
            (b"\x2f", "unknown"),
        ],
    )
    def test_frames_an_initial_may_not_carry(self, frame, name):
        datagram = protect(pad(crypto_frame(0, HANDSHAKE) + frame))
        with pytest.raises(MalformedPacket, match=f"{name}.*not allowed in an Initial"):
            extract_quic_sni(datagram)

    def test_a_frame_type_in_a_longer_encoding_is_malformed(self):
        with pytest.raises(MalformedPacket, match="frame type"):
            extract_quic_sni(protect(pad(b"\x40\x06" + crypto_frame(0, HANDSHAKE)[1:])))

    @pytest.mark.parametrize(
        "payload",
        [
            crypto_frame(0, HANDSHAKE)[:-1] + b"",  # CRYPTO length overruns the packet
            b"\x06\x00\x7f",  # cut inside the length varint
            b"\x02" + varint(1) + varint(0) + varint(200) + varint(0),  # ACK ranges missing
            b"\x1c\x0a\x00\x10short",  # reason phrase overruns
        ],
    )
    def test_frames_that_overrun_their_packet(self, payload):
        datagram = protect(payload + (b"" if len(payload) > 4 else b"\x00\x00"))
        assert outcome(datagram) is MalformedPacket

    def test_reserved_bits_set_after_decryption(self):
        datagram = protect(pad(crypto_frame(0, HANDSHAKE)), first_bits=0x04)
        with pytest.raises(MalformedPacket, match="reserved bits"):
            extract_quic_sni(datagram)

    def test_a_packet_without_frames(self):
        with pytest.raises(MalformedPacket, match="no frame"):
            extract_quic_sni(protect(b"", pn_length=4))

    def test_crypto_beyond_the_largest_offset(self):
        frame = b"\x06" + bytes.fromhex("ffffffffffffffff") + varint(2) + b"ab"
        with pytest.raises(MalformedPacket, match="2\\^62"):
            extract_quic_sni(protect(pad(frame)))


class TestHeaders:
    @pytest.mark.parametrize(
        ("datagram", "message"),
        [
            (b"\x40" + bytes(40), "short-header"),
            (b"\xc0\x00\x00\x00\x00" + bytes(40), "Version Negotiation"),
            (b"\xc0\xff\x00\x00\x1d" + bytes(40), "0xff00001d"),
            (b"\x80\x00\x00\x00\x01" + bytes(40), "fixed bit"),
            (b"\xc0\x00\x00\x00\x01\x15" + bytes(40), "Destination Connection ID length 21"),
            (b"\xc0\x00\x00\x00\x01\x00\x15" + bytes(40), "Source Connection ID length 21"),
            (b"\xc0\x00\x00\x00\x01\x00\x00\x00\x05" + bytes(40), "too short to sample"),
        ],
    )
    def test_what_is_not_a_client_initial(self, datagram, message):
        with pytest.raises(MalformedPacket, match=message):
            extract_quic_sni(datagram)

    @pytest.mark.parametrize(("packet_type", "name"), [(1, "0-RTT"), (2, "Handshake")])
    def test_other_long_packets_first(self, packet_type, name):
        datagram = protect(pad(crypto_frame(0, HANDSHAKE)), packet_type=packet_type)
        with pytest.raises(MalformedPacket, match=f"a {name} packet"):
            extract_quic_sni(datagram)

    def test_a_retry_first(self):
        retry = b"\xf0\x00\x00\x00\x01\x08" + DCID + b"\x00" + b"token" + bytes(16)
        with pytest.raises(MalformedPacket, match="Retry"):
            extract_quic_sni(retry)

    def test_a_server_initial(self):
        datagram = protect(pad(crypto_frame(0, HANDSHAKE)), sender_is_client=False)
        with pytest.raises(MalformedPacket, match="does not decrypt"):
            extract_quic_sni(datagram)

    def test_keys_come_from_the_first_dcid(self):
        # a client's later datagram may carry the server's chosen ID, but Initial keys stay
        # those of its first DCID (RFC 9001 5.2)
        half = len(HANDSHAKE) // 2
        first = protect(pad(crypto_frame(0, HANDSHAKE[:half])))
        second = protect(
            pad(crypto_frame(half, HANDSHAKE[half:])), dcid=b"\x99" * 5, number=1, key_dcid=DCID
        )
        assert extract_quic_sni(first, second) == "bakery.example"
        assert outcome(second) is MalformedPacket  # alone, its own DCID gives other keys

    def test_truncated_packet_numbers_are_decoded_against_the_largest_seen(self):
        # RFC 9000 A.3: with 1-byte numbers, 260 travels as 0x04 and 255 as 0xff; only the
        # full number gives the right nonce, so the packets decrypt only if decoded right
        pieces = [(250, 0, 150), (260, 150, 300), (255, 300, len(HANDSHAKE))]
        datagrams = [
            protect(pad(crypto_frame(a, HANDSHAKE[a:b])), number=n, pn_length=1)
            for n, a, b in pieces
        ]
        initial = parse_quic_initial(*datagrams)
        assert [p.packet_number for p in initial.packets] == [250, 260, 255]
        assert initial.sni == "bakery.example"

    def test_versions_must_agree_across_datagrams(self):
        v1 = protect(pad(crypto_frame(0, HANDSHAKE[:50])))
        v2 = protect(pad(crypto_frame(50, HANDSHAKE[50:])), version=QUIC_V2, number=1)
        with pytest.raises(MalformedPacket, match="differs from the connection"):
            extract_quic_sni(v1, v2)


class TestCoalesced:
    def test_initials_coalesced_in_one_datagram(self):
        half = len(HANDSHAKE) // 2
        datagram = protect(crypto_frame(0, HANDSHAKE[:half])) + protect(
            pad(crypto_frame(half, HANDSHAKE[half:]), 600), number=1
        )
        initial = parse_quic_initial(datagram)
        assert [p.packet_number for p in initial.packets] == [0, 1]
        assert initial.crypto == HANDSHAKE and initial.skipped == 0

    def test_what_follows_the_first_packet_is_skipped_as_a_server_would(self):
        first = protect(pad(crypto_frame(0, HANDSHAKE), 700))
        followers = {
            "handshake": protect(b"\x01" * 40, packet_type=2, number=1),
            "other connection": protect(pad(b"\x01", 40), dcid=b"\x42" * 8, number=1),
            "undecryptable": protect(pad(b"\x01", 40), number=1)[:-1] + b"\x00",
            "zeros": bytes(300),
            "cut header": b"\xc0\x00\x00",
        }
        for label, follower in followers.items():
            initial = parse_quic_initial(first + follower)
            assert len(initial.packets) == 1, label
            assert initial.skipped == len(follower), label
            assert initial.sni == "bakery.example", label

    def test_a_malformed_frame_in_a_later_packet_still_counts(self):
        # a later packet that decrypts is the client's: its frames are checked
        bad = protect(pad(b"\x1e", 40), number=1)
        with pytest.raises(MalformedPacket, match="HANDSHAKE_DONE"):
            extract_quic_sni(protect(pad(crypto_frame(0, HANDSHAKE), 700)) + bad)


class TestTruncationAndInput:
    def test_datagrams_cut_short_are_incomplete(self):
        datagrams = aioquic_first_flight("bakery.example", alpn=MANY_ALPN)
        for k in (0, 1, 5, 6, 20, 100, 600):
            assert outcome(datagrams[0][:k]) is Incomplete, k
        assert outcome(datagrams[0], datagrams[1][:300]) is Incomplete

    def test_a_hello_cut_before_its_name_is_incomplete(self):
        # SNI in the last of several datagrams: every earlier set is incomplete
        datagrams = build_quic_initial(HELLO, dcid=DCID, max_crypto=40)
        name_at = HANDSHAKE.index(b"bakery.example") + len("bakery.example")
        for k in range(1, len(datagrams) + 1):
            expected = "bakery.example" if 40 * k >= name_at else Incomplete
            assert outcome(*datagrams[:k]) == expected, k

    def test_no_datagram_and_empty_datagrams(self):
        assert outcome() is Incomplete
        assert outcome(b"") is Incomplete
        assert outcome(RFC9001_CLIENT_INITIAL, b"") is Incomplete

    @pytest.mark.parametrize("value", ["text", 42, None, [0xC0]])
    def test_non_bytes_are_malformed(self, value):
        with pytest.raises(MalformedPacket, match="expected bytes"):
            extract_quic_sni(value)

    def test_memoryview_and_bytearray(self):
        assert extract_quic_sni(bytearray(RFC9001_CLIENT_INITIAL)) == "example.com"
        assert extract_quic_sni(memoryview(RFC9001_CLIENT_INITIAL)) == "example.com"

    def test_a_hello_without_a_name(self):
        nameless = openssl_hello(None, 3)
        assert extract_quic_sni(*build_quic_initial(nameless, dcid=DCID)) is None

    def test_reprs_are_short_and_stable(self):
        initial = parse_quic_initial(RFC9001_CLIENT_INITIAL)
        assert (
            repr(initial) == "<QuicInitial v1 DCID=8394c8f03e515708 1 packet, CRYPTO bytes 0..241>"
        )
        assert repr(initial.packets[0]) == (
            "<QuicPacket v1 Initial pn=2 DCID=8394c8f03e515708 1200 bytes: "
            "CRYPTO[0:241], PADDING x917>"
        )
        assert "1f369613dd76d5467730efcbe3b1a22d" in repr(quic_initial_keys(RFC_DCID))


# -- tshark decrypts the same packets by itself ------------------------------------------------
def test_tshark_reads_the_same_names(tmp_path):
    tshark = require_program("tshark")
    client = ipaddress.ip_address("192.0.2.10")
    server = ipaddress.ip_address("203.0.113.5")
    flows = {
        40001: [RFC9001_CLIENT_INITIAL],
        40002: [RFC9369_CLIENT_INITIAL],
        40003: aioquic_first_flight("bakery.example", alpn=MANY_ALPN),
        40004: build_quic_initial(HELLO, dcid=DCID, max_crypto=90, coalesce=True),
        40005: build_quic_initial(
            openssl_hello("www.school.example", 4), dcid=DCID[::-1], version=QUIC_V2
        ),
    }
    # one capture per flow: tshark ties packets with one DCID into one connection, and
    # the two RFC packets share theirs
    for port, datagrams in flows.items():
        records = [
            (float(i), Packet(client, server, "udp", port, 443, payload=d).to_bytes())
            for i, d in enumerate(datagrams)
        ]
        path = write_pcap(tmp_path / f"quic-{port}.pcap", records)
        fields = subprocess.run(
            [tshark, "-r", str(path), "-T", "fields", "-e", "quic.dcid"]
            + ["-e", "tls.handshake.extensions_server_name"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        names = set()
        for line in fields.splitlines():
            dcids, name = line.split("\t")
            assert set(dcids.split(",")) == {parse_quic_initial(*datagrams).dcid.hex()}
            names |= {name} - {""}
        assert names == {extract_quic_sni(*datagrams)}, port


# -- property-based: never crash, Incomplete or the name on prefixes, any framing --------------
SEEDS = [
    RFC9001_CLIENT_INITIAL,
    RFC9369_CLIENT_INITIAL,
    *build_quic_initial(HELLO, dcid=DCID, max_crypto=300, coalesce=True),
    *build_quic_initial(openssl_hello(None, 5), dcid=DCID[:4], version=QUIC_V2),
]


@given(st.binary(max_size=1300))
def test_arbitrary_bytes(data):
    outcome(data)


@given(st.sampled_from(SEEDS).flatmap(mutated))
def test_mutated_datagrams(data):
    outcome(data)


@given(st.sampled_from(SEEDS), st.binary(min_size=1, max_size=60))
def test_bytes_after_the_first_packet_never_change_the_name(seed, tail):
    first = parse_quic_initial(seed)
    data = seed[: first.packets[0].size] + tail
    assert outcome(data) in (outcome(seed[: first.packets[0].size]), MalformedPacket)


_FRAMES = st.lists(
    st.sampled_from(
        [b"\x00", b"\x01", b"\x02\x00\x00\x00\x00", b"\x03\x00\x00\x00\x00\x00\x00\x00"]
        + [b"\x1c\x00\x00\x00", b"\x06\x00\x01\x01", b"\x06\x40"]
    )
    | st.binary(max_size=6),
    max_size=6,
)


@given(_FRAMES, st.data())
def test_decrypted_payloads_of_any_shape(frames, data):
    # payloads that decrypt: the frame walker meets arbitrary and mutated frames
    payload = b"".join(frames) + crypto_frame(0, HANDSHAKE)
    if data.draw(st.booleans()):
        payload = data.draw(mutated(payload, max_ops=3))
    outcome(protect(payload + b"\x00\x00"))


@st.composite
def reframed(draw):
    """HANDSHAKE cut into CRYPTO frames, shuffled into packets, packets into datagrams."""
    cuts = sorted(draw(st.sets(st.integers(1, len(HANDSHAKE) - 1), max_size=6)))
    bounds = [0, *cuts, len(HANDSHAKE)]
    frames = [crypto_frame(a, HANDSHAKE[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    frames = draw(st.permutations(frames))
    if draw(st.booleans()):  # a retransmitted piece
        frames.append(draw(st.sampled_from(frames)))
    packets, number = [], 0
    while frames:
        k = draw(st.integers(1, len(frames)))
        packets.append(protect(b"".join(frames[:k]) + b"\x01\x00\x00", number=number))
        frames, number = frames[k:], number + 1
    datagrams = []
    while packets:
        k = draw(st.integers(1, len(packets)))
        datagrams.append(b"".join(packets[:k]))
        packets = packets[k:]
    return draw(st.permutations(datagrams))


@given(reframed())
def test_any_framing_of_the_hello_gives_the_name(datagrams):
    assert outcome(*datagrams) == "bakery.example"
    assert parse_quic_initial(*datagrams).crypto == HANDSHAKE


@given(st.sampled_from(SEEDS), st.data())
def test_prefixes_are_incomplete_or_the_answer(seed, data):
    k = data.draw(st.integers(0, len(seed)))
    got = outcome(seed[:k])
    assert got in (Incomplete, outcome(seed)), (k, got)

"""Golden byte vectors from public sources, read by censorsim's wire parsers.

Every vector below was copied from a public document or repository; the source is cited
next to the bytes (URL or RFC section, and for repositories the path and the commit the
bytes were read at). Nothing here is invented: where a vector needed framing that its
source did not show, the comment says exactly what was added.

The vectors are also the seeds of ``test_fuzz.py``, which imports ``CLIENT_HELLOS``,
``DNS_MESSAGES`` and ``IP_PACKETS`` from this module.
"""

from __future__ import annotations

import ipaddress
import re

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest

from censorsim.wire import (
    Incomplete,
    MalformedPacket,
    Packet,
    dns_summary,
    extract_host,
    extract_sni,
    parse_dns,
)


def _hex(text: str) -> bytes:
    """Bytes from hex digits written with any whitespace between them."""
    return bytes.fromhex("".join(text.split()))


def _c_array(text: str) -> bytes:
    """Bytes from a C or Go array literal such as ``0x16, 0x03, 0x01``."""
    return bytes(int(b, 16) for b in re.findall(r"0x([0-9a-fA-F]{2})", text))


ETHERNET = 14  # bytes of Ethernet II header in front of the IP packet in a captured frame
BSD_NULL = 4  # bytes of the BSD loopback (DLT_NULL) header


# =========================================================================================
# TLS ClientHellos
# =========================================================================================

# RFC 8448 section 3 "Simple 1-RTT Handshake", "{client} send handshake record", the
# "complete record (201 octets)": https://www.rfc-editor.org/rfc/rfc8448#section-3
# Copied from scapy's copy of that RFC text: secdev/scapy test/scapy/layers/tls/tls13.uts
# at commit 09c2f0748a7d8b7e7996bb6e3c2247539fcdd266 ("Values from RFC8448, section 3").
# The handshake message (from "01 00 00 c0") is quoted identically in many independent
# RFC 8448 test suites.
RFC8448_CLIENT_HELLO = _hex("""
    16 03 01 00 c4 01 00 00 c0 03 03 cb
    34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12
    ec 18 a2 ef 62 83 02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00
    00 91 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01 00 01
    00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02
    01 03 01 04 00 23 00 00 00 33 00 26 00 24 00 1d 00 20 99 38 1d
    e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d
    54 13 69 1e 52 9a af 2c 00 2b 00 03 02 03 04 00 0d 00 20 00 1e
    04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01 05 01 06 01 02
    01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01
""")

# RFC 8448 section 3, the ServerHello record that answers the ClientHello above (same
# source file): not a ClientHello, so an SNI parser must reject it.
RFC8448_SERVER_HELLO = _hex("""
    16 03 03 00 5a 02 00 00 56 03 03 a6
    af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14
    34 da c1 55 77 2e d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00
    1d 00 20 c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1 56 d6
    cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04
""")

# The Illustrated TLS 1.3 Connection, "Client Hello" (https://tls13.xargs.org/), the
# concatenated "bytes" spans of repository syncsynchalt/illustrated-tls13, site/index.html
# at commit 019932bc49cd4895337941aa2bfcc71e89d005e8 (record header, handshake header,
# version, random, session id, cipher suites, compression, extensions).
ILLUSTRATED_TLS13_CLIENT_HELLO = _hex("""
    16 03 01 00 ca
    01 00 00 c6
    03 03
    00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f
    20 e0 e1 e2 e3 e4 e5 e6 e7 e8 e9 ea eb ec ed ee ef f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe
    ff
    00 06 13 01 13 02 13 03
    01 00
    00 77
    00 00 00 18 00 16 00 00 13 65 78 61 6d 70 6c 65 2e 75 6c 66 68 65 69 6d 2e 6e 65 74
    00 0a 00 08 00 06 00 1d 00 17 00 18
    00 0d 00 14 00 12 04 03 08 04 04 01 05 03 08 05 05 01 08 06 06 01 02 01
    00 33 00 26 00 24 00 1d 00 20 35 80 72 d6 36 58 80 d1 ae ea 32 9a df 91 21 38 38 51 ed 21 a2 8e
    3b 75 e9 65 d0 d2 cd 16 62 54
    00 2d 00 02 01 01
    00 2b 00 03 02 03 04
""")

# The Illustrated TLS 1.2 Connection, "Client Hello" (https://tls12.xargs.org/), the
# concatenated "bytes" spans of repository syncsynchalt/illustrated-tls12, site/index.html
# at commit 03c332bd2ab57e065ae2ec1ca4e4f2cd9f93e601.
ILLUSTRATED_TLS12_CLIENT_HELLO = _hex("""
    16 03 01 00 a5
    01 00 00 a1
    03 03
    00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f
    00
    00 20 cc a8 cc a9 c0 2f c0 30 c0 2b c0 2c c0 13 c0 09 c0 14 c0 0a 00 9c 00 9d 00 2f 00 35 c0 12
    00 0a
    01 00
    00 58
    00 00 00 18 00 16 00 00 13 65 78 61 6d 70 6c 65 2e 75 6c 66 68 65 69 6d 2e 6e 65 74
    00 05 00 05 01 00 00 00 00
    00 0a 00 0a 00 08 00 1d 00 17 00 18 00 19
    00 0b 00 02 01 00
    00 0d 00 12 00 10 04 01 04 03 05 01 05 03 06 01 06 03 02 01 02 03
    ff 01 00 01 00
    00 12 00 00
""")

# A real Chromium (BoringSSL, Slack desktop) ClientHello with GREASE: GREASE cipher 4a4a,
# GREASE extensions 3a3a (first) and 4a4a, GREASE group dada, GREASE version 2a2a, a
# pre_shared_key extension last. refraction-networking/utls u_fingerprinter_test.go,
# TestUTLSFingerprintClientHelloKeepPSK, at commit 16aa278a6624e9ee6efc2ba12eea54ca42ecb156
# (the Wireshark dissection above the bytes names the server edgeapi.slack.com).
CHROMIUM_GREASE_PSK_CLIENT_HELLO = _hex(
    "16030102400100023c03035cef5aa9122008e37f0f74d717cd4ae0f745daba4292e6fbca3cd5bf9123498f"
    "208c4aa23444084eeb70097efe0b8f6e3a56c717abd67505c950aab314de59bd8f00204a4a130113021303"
    "c02bc02fc02cc030cca9cca8c013c014009c009d002f0035010001d33a3a000000000016001400001165646765"
    "6170692e736c61636b2e636f6d00170000ff01000100000a000a0008dada001d00170018000b000201000023"
    "00000010000e000c02683208687474702f312e31000500050100000000000d00120010040308040401050308"
    "05050108060601001200000033002b0029dada000100001d0020e35e636d4e2dcd5f39309170285dab92dbe8"
    "1fefe4926826cec1ef881321687e002d00020101002b000b0a2a2a0304030303020301001b00030200024a4a"
    "0001000029010b00e600e017fab59672c1966ae78fc4dacd7efb42e735de956e3f96d342bb8e63a5233ce21c"
    "92d6d75036601d74ccbc3ca0085f3ac2ebbd83da13501ac3c6d612bcb453fb206a39a8112d768bea1976d7c1"
    "4e6de9aa0ee70ea732554d3c57d1a993f1044a46c1fb371811039ef30582cacf41bd497121d67793b8ee4df7"
    "a60d525f7df052fd66cda7f141bb553d9253816752d923ac7c71426179db4f26a7d42f0d65a2dd2dbaafb86f"
    "a17b2da23fd57c5064c76551cfda86304051231e4da9e697fedbcb5ae8cb2f6cb92f71164acf2edff5bccc12"
    "66cd648a53cc46262eabf40727bcb6958a3d1300212083e99d791672d39919dcb387f2fa7aeee938ec32ecf4"
    "b861306f7df4f9a8a746"
)

# A real Firefox-style ClientHello (record_size_limit, padding, two key shares, no GREASE).
# refraction-networking/utls u_fingerprinter_test.go,
# TestUTLSHandshakeClientFingerprintedSpecFromRaw, commit
# 16aa278a6624e9ee6efc2ba12eea54ca42ecb156. The source writes the padding extension
# (0015 008f) as 143 zero bytes; they are written here as "00" * 143.
FIREFOX_CLIENT_HELLO = _hex(
    "1603010200010001fc03037fd76fa530c24816ea9e4a6cf2e939f2350b9486a7bac58ece5753767fb61124"
    "20d9b01fc4f4b6fe14fe9ce652442d66588d982cb25913d866348bde54d3899abe0024130113031302c02b"
    "c02fcca9cca8c02cc030c00ac009c013c014009c009d002f0035000a0100018f00000022002000001d70656f"
    "706c652d70612e636c69656e7473362e676f6f676c652e636f6d00170000ff01000100000a000e000c001d"
    "00170018001901000101000b000201000010000e000c02683208687474702f312e310005000501000000"
    "000033006b0069001d002065e566ff33dfbeb012e3b13b87d75612bd0fbc3963673df90afed533dccc9b54"
    "00170041047fcc2666d04c31272a2e39905c771a89edf5a71dae301ec2fa0e7bc4d0e06580a0d36324e3dc"
    "4f29e200a8905badd11c00daf11588977bf501597dac5fdc55bf002b00050403040303000d0018001604"
    "030503060308040805080604010501060102030201001c000240010015008f" + ("00" * 143)
)

# A real curl/7.74.0 client stream (https://tlsfingerprint.io/id/37695dd988f0c8b8): the
# ClientHello record followed by ChangeCipherSpec and two application-data records.
# refraction-networking/utls u_fingerprinter_test.go, TestFingerprintDumpLargerThanExtensions,
# commit 16aa278a6624e9ee6efc2ba12eea54ca42ecb156. The padding extension (0015 00be) is
# written as "00" * 190, as in the source.
CURL_STREAM = _hex(
    "1603010200010001fc03032e763fe74cd8472de77d17eef1cf4cb9b18d0163196a69337d0d7c6c844a1b71"
    "202aef889ccf5bdef725185b7c0cc51a100311c7c3992b1d206beaef121a111cc5003e130213031301c02c"
    "c030009fcca9cca8ccaac02bc02f009ec024c028006bc023c0270067c00ac0140039c009c0130033009d009c"
    "003d003c0035002f00ff010001750000000e000c0000096c6f63616c686f7374000b000403000102000a000c"
    "000a001d0017001e00190018337400000010000e000c02683208687474702f312e3100160000001700000031"
    "0000000d002a0028040305030603080708080809080a080b0804080508060401050106010303030103020402"
    "05020602002b00050403040303002d00020101003300260024001d00204f21193633f4a0c751143f00849419"
    "95cc6fb7cb87545f56f07877c99615f074001500be"
    + ("00" * 190)
    + "1403030001011703030045f621cd4a3c52c89e0d94c6f6a79d5863274af09696811cb73c433aa05ea5bb7a"
    "266cbc11cdbd18a553c9b4ba02c202ec709faabfdd9e9b76c1b2162dd8296cdbc9e6451742170303005ff37a"
    "e5fd6c2f240472c6248abb2a82dd2e634d4da4f67d0db94cf56eebe7e9e3766f6458f87c82bdd70a4d75e0f9"
    "04c368a7c57beba6d76ea9d3f6d06e26cdf1dcb4c6fa2067f269268e91e94ade464efdb2e5f5cf2f7930fae"
    "b6f2a4a3bc2"
)
CURL_CLIENT_HELLO = CURL_STREAM[: 5 + 0x200]  # the first record alone

# A real captured Ethernet frame: IPv4 + TCP (no options) carrying a TLS 1.2 ClientHello
# for 24wd.biz (Mar 2017). carbonsoft/test_sys_dev,
# reductor_developer/sni_search/packets/client_hello.h, commit
# 3bfffb624472e67c99091e390ffc6728813db43d (its comment holds the Wireshark dissection).
SNI_24WD_FRAME = _c_array("""
    0x0c, 0xc4, 0x7a, 0x74, 0xdf, 0x32, 0x02, 0x04, 0x49, 0x1d, 0x17, 0xb8,
    0x08, 0x00, 0x45, 0x00, 0x00, 0xd5, 0x39, 0x90, 0x40, 0x00, 0x7d, 0x06,
    0x8f, 0x64, 0x5b, 0xe4, 0x3f, 0xde, 0x5e, 0x66, 0x3a, 0x06, 0xcf, 0x1a,
    0x01, 0xbb, 0x27, 0x13, 0xc1, 0xe0, 0x1e, 0xb0, 0x1f, 0xa2, 0x50, 0x18,
    0x40, 0xb0, 0x3d, 0xbe, 0x00, 0x00, 0x16, 0x03, 0x03, 0x00, 0xa8, 0x01,
    0x00, 0x00, 0xa4, 0x03, 0x03, 0x58, 0xca, 0x7a, 0x68, 0x88, 0x80, 0x6e,
    0x0b, 0x2e, 0x4a, 0xd5, 0x84, 0xc9, 0x5e, 0xa9, 0x5f, 0x45, 0x97, 0xaf,
    0x30, 0xc9, 0x97, 0xa4, 0xb8, 0x0b, 0xee, 0xc9, 0x1b, 0xa6, 0x25, 0x08,
    0xd5, 0x00, 0x00, 0x30, 0xc0, 0x28, 0xc0, 0x27, 0xc0, 0x14, 0xc0, 0x13,
    0x00, 0x9f, 0x00, 0x9e, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d, 0x00, 0x3c,
    0x00, 0x35, 0x00, 0x2f, 0xc0, 0x2c, 0xc0, 0x2b, 0xc0, 0x24, 0xc0, 0x23,
    0xc0, 0x0a, 0xc0, 0x09, 0x00, 0x6a, 0x00, 0x40, 0x00, 0x38, 0x00, 0x32,
    0x00, 0x0a, 0x00, 0x13, 0x01, 0x00, 0x00, 0x4b, 0x00, 0x00, 0x00, 0x0d,
    0x00, 0x0b, 0x00, 0x00, 0x08, 0x32, 0x34, 0x77, 0x64, 0x2e, 0x62, 0x69,
    0x7a, 0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,
    0x00, 0x06, 0x00, 0x04, 0x00, 0x17, 0x00, 0x18, 0x00, 0x0b, 0x00, 0x02,
    0x01, 0x00, 0x00, 0x0d, 0x00, 0x14, 0x00, 0x12, 0x06, 0x01, 0x06, 0x03,
    0x04, 0x01, 0x05, 0x01, 0x02, 0x01, 0x04, 0x03, 0x05, 0x03, 0x02, 0x03,
    0x02, 0x02, 0x00, 0x17, 0x00, 0x00, 0xff, 0x01, 0x00, 0x01, 0x00,
""")
SNI_24WD_CLIENT_HELLO = SNI_24WD_FRAME[ETHERNET + 20 + 20 :]

# The same source's not_client_hello.h (same commit): the frame above with the record type
# changed to 0x17 (application data) by the author. Only the payload is used here.
NOT_CLIENT_HELLO = bytes([0x17]) + SNI_24WD_CLIENT_HELLO[1:]


def _python_ssl_client_hello_without_sni() -> bytes:
    """No public ClientHello without server_name was found: this one is made by Python's
    ssl (OpenSSL) through censorsim's CA, with server_hostname=None."""
    import random

    from censorsim.protocols.tls import CertificateAuthority, TLSClientSession

    ca = CertificateAuthority(0)
    return TLSClientSession(ca.client_context(), None, random.Random(3)).start()


# (ClientHello record(s), expected server name); importable by test_fuzz.py
CLIENT_HELLOS: list[tuple[bytes, str]] = [
    (RFC8448_CLIENT_HELLO, "server"),
    (ILLUSTRATED_TLS13_CLIENT_HELLO, "example.ulfheim.net"),
    (ILLUSTRATED_TLS12_CLIENT_HELLO, "example.ulfheim.net"),
    (CHROMIUM_GREASE_PSK_CLIENT_HELLO, "edgeapi.slack.com"),
    (FIREFOX_CLIENT_HELLO, "people-pa.clients6.google.com"),
    (CURL_CLIENT_HELLO, "localhost"),
    (SNI_24WD_CLIENT_HELLO, "24wd.biz"),
]
CLIENT_HELLO_IDS = [
    "rfc8448-1rtt",
    "illustrated-tls13",
    "illustrated-tls12",
    "chromium-grease-psk",
    "firefox",
    "curl-7.74",
    "capture-24wd.biz",
]
SNI_CASES = [
    pytest.param(d, n, id=i) for (d, n), i in zip(CLIENT_HELLOS, CLIENT_HELLO_IDS, strict=True)
]


def _outcome(data: bytes) -> tuple[str, str | None]:
    """What extract_sni does with ``data``: ("name", value) or (exact exception class, None)."""
    try:
        return "name", extract_sni(data)
    except (Incomplete, MalformedPacket) as exc:
        return type(exc).__name__, None


def _records(fragments: list[bytes], version: bytes = b"\x03\x01") -> bytes:
    """Wrap each fragment of a handshake message in its own TLS handshake record."""
    return b"".join(b"\x16" + version + len(f).to_bytes(2, "big") + f for f in fragments)


def _handshake(record: bytes) -> bytes:
    """The handshake message carried by one TLS record."""
    assert record[0] == 0x16
    length = int.from_bytes(record[3:5], "big")
    assert len(record) == 5 + length
    return record[5:]


def _name_end(data: bytes, name: str) -> int:
    """Offset just past the host_name in the server_name entry (type 0, u16 length, name)."""
    entry = b"\x00" + len(name).to_bytes(2, "big") + name.encode()
    assert data.count(entry) == 1
    return data.index(entry) + len(entry)


class TestClientHelloVectors:
    def test_vectors_are_single_well_formed_records(self):
        # the framing of every copied vector is self-consistent (catches copying errors)
        for data, _name in CLIENT_HELLOS:
            hs = _handshake(data)
            assert hs[0] == 1
            assert int.from_bytes(hs[1:4], "big") == len(hs) - 4

    def test_vectors_parse_with_scapy_too(self):
        from scapy.layers.tls.extensions import TLS_Ext_ServerName
        from scapy.layers.tls.handshake import TLSClientHello
        from scapy.layers.tls.record import TLS

        for data, name in CLIENT_HELLOS:
            hello = TLS(data).msg[0]
            assert isinstance(hello, TLSClientHello)
            sni = [e for e in hello.ext if isinstance(e, TLS_Ext_ServerName)]
            assert sni[0].servernames[0].servername == name.encode()

    @pytest.mark.parametrize(("data", "name"), SNI_CASES)
    def test_extract_sni(self, data, name):
        assert extract_sni(data) == name

    @pytest.mark.parametrize(("data", "name"), SNI_CASES)
    def test_extract_sni_accepts_bytearray_and_memoryview(self, data, name):
        assert extract_sni(bytearray(data)) == name
        assert extract_sni(memoryview(data)) == name

    @pytest.mark.parametrize(("data", "name"), SNI_CASES)
    def test_every_prefix_is_incomplete_until_the_name_is_read(self, data, name):
        end = _name_end(data, name)
        for k in range(len(data)):
            expected = ("Incomplete", None) if k < end else ("name", name)
            assert _outcome(data[:k]) == expected, k

    @pytest.mark.parametrize(("data", "name"), SNI_CASES)
    def test_handshake_split_into_two_records_at_every_offset(self, data, name):
        hs = _handshake(data)
        for k in range(1, len(hs)):
            assert extract_sni(_records([hs[:k], hs[k:]], data[1:3])) == name, k

    @pytest.mark.parametrize(("data", "name"), SNI_CASES)
    def test_handshake_split_into_one_record_per_byte(self, data, name):
        hs = _handshake(data)
        assert extract_sni(_records([hs[i : i + 1] for i in range(len(hs))])) == name

    @pytest.mark.parametrize(("data", "name"), SNI_CASES)
    def test_split_records_prefixes(self, data, name):
        # a two-record split cut anywhere: Incomplete until the name, the name after it
        hs = _handshake(data)
        k = len(hs) // 3
        split = _records([hs[:k], hs[k:]], data[1:3])
        in_hs = _name_end(hs, name)  # where the name ends in the handshake message
        end = in_hs + (5 if in_hs <= k else 10)  # ... and in the two-record stream
        for cut in range(len(split)):
            expected = ("Incomplete", None) if cut < end else ("name", name)
            assert _outcome(split[:cut]) == expected, cut

    def test_client_hello_followed_by_other_records(self):
        # curl's stream: ClientHello, ChangeCipherSpec, application data
        assert CURL_STREAM[len(CURL_CLIENT_HELLO)] == 0x14
        assert extract_sni(CURL_STREAM) == "localhost"

    def test_truncated_hello_followed_by_another_record_is_malformed(self):
        # a handshake record cut short by a record of another type can never complete
        hs = _handshake(RFC8448_CLIENT_HELLO)
        data = _records([hs[:20]]) + CURL_STREAM[len(CURL_CLIENT_HELLO) :]
        assert _outcome(data) == ("MalformedPacket", None)

    def test_server_hello_is_malformed(self):
        assert _outcome(RFC8448_SERVER_HELLO) == ("MalformedPacket", None)

    def test_application_data_record_is_malformed(self):
        assert _outcome(NOT_CLIENT_HELLO) == ("MalformedPacket", None)


@pytest.fixture(scope="module")
def hello() -> bytes:
    return _python_ssl_client_hello_without_sni()


class TestClientHelloWithoutSNI:
    def test_no_server_name(self, hello):
        assert hello[0] == 0x16 and hello[5] == 1
        assert extract_sni(hello) is None

    def test_every_prefix_is_incomplete(self, hello):
        for k in range(len(hello)):
            assert _outcome(hello[:k]) == ("Incomplete", None), k

    def test_split_into_two_records_at_every_offset(self, hello):
        hs = _handshake(hello)
        for k in range(1, len(hs)):
            assert _outcome(_records([hs[:k], hs[k:]], hello[1:3])) == ("name", None), k

    def test_public_hello_with_server_name_removed_has_no_name(self):
        # The Illustrated TLS 1.2 ClientHello without its server_name extension (the
        # 28 bytes "00 00 00 18 ..."), lengths adjusted: a TLS 1.2 hello without SNI.
        hs = _handshake(ILLUSTRATED_TLS12_CLIENT_HELLO)
        sni_ext = _hex("00 00 00 18 00 16 00 00 13") + b"example.ulfheim.net"
        at = hs.index(sni_ext)
        ext_len_at = at - 2
        body = bytearray(hs[:at] + hs[at + len(sni_ext) :])
        body[ext_len_at : ext_len_at + 2] = (0x58 - len(sni_ext)).to_bytes(2, "big")
        body[1:4] = (len(body) - 4).to_bytes(3, "big")
        assert extract_sni(_records([bytes(body)])) is None


# =========================================================================================
# DNS messages
# =========================================================================================

# dnspython's own test vectors: rthalley/dnspython tests/test_message.py at commit
# 000f67af811dde997b7487ef2ed10bdfd58a4f8a, ``goodhex`` (query with EDNS, DO bit) and
# ``goodhex2`` (an SOA answer whose names use compression pointers, some pointing into
# other compressed names: c063, c091).
DNSPYTHON_QUERY = _hex(
    "04d201000001000000000001047777777709646e73707974686f6e036f726700000100010000291000000080000000"
)
DNSPYTHON_SOA_ANSWER = _hex(
    "04d2 8500 0001 0001 0003 0001"
    "09646e73707974686f6e036f726700 0006 0001"
    "c00c 0006 0001 00000e10 0028 "
    "04776f6f66c00c 0a686f73746d6173746572c00c"
    "7764289c 00000e10 00000708 00093a80 00000e10"
    "c00c 0002 0001 00000e10 0014"
    "036e7331057374616666076e6f6d696e756dc016"
    "c00c 0002 0001 00000e10 0006 036e7332c063"
    "c00c 0002 0001 00000e10 0010 04776f6f6608706c61792d626f77c016"
    "c091 0001 0001 00000e10 0004 cc98ba96"
)

# Captured packets from gopacket's tests (tcpdump output quoted above each array there).
# google/gopacket layers/dns_test.go at commit 01d6753a300e999c58dd609973ff9ea8e84947a9,
# ``testPacketDNSRegression``: "IP 109.194.160.4.57766 > 95.211.92.14.53: 63000% [1au] A?
# picslife.ru. (40)" (Ethernet frame).
GOPACKET_DNS_QUERY_FRAME = _c_array("""
    0x00, 0x22, 0x19, 0xb6, 0x7e, 0x22, 0x00, 0x0f, 0x35, 0xbb, 0x0b, 0x40, 0x08, 0x00, 0x45, 0x00,
    0x00, 0x44, 0x89, 0xc4, 0x00, 0x00, 0x38, 0x11, 0x2f, 0x3d, 0x6d, 0xc2, 0xa0, 0x04, 0x5f, 0xd3,
    0x5c, 0x0e, 0xe1, 0xa6, 0x00, 0x35, 0x00, 0x30, 0xa5, 0x97, 0xf6, 0x18, 0x00, 0x10, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x70, 0x69, 0x63, 0x73, 0x6c, 0x69, 0x66, 0x65, 0x02,
    0x72, 0x75, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x80, 0x00,
    0x00, 0x00,
""")

# Same file, ``testParseDNSTypeTXT``: "response to `dig TXT google.com` over IPv4 link",
# a BSD loopback (PF_INET) frame; the answer name is a compression pointer (c00c).
GOPACKET_DNS_TXT_FRAME = _c_array("""
    0x02, 0x00, 0x00, 0x00, // PF_INET
    0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x39, 0x11, 0x64, 0x98, 0xd0, 0x43, 0xde, 0xde,
    0x0a, 0xba, 0x23, 0x06, 0x00, 0x35, 0x81, 0xb2, 0x00, 0x5f, 0xdc, 0xb5, 0x98, 0x71, 0x81, 0x80,
    0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x67, 0x6f, 0x6f, 0x67, 0x6c, 0x65, 0x03,
    0x63, 0x6f, 0x6d, 0x00, 0x00, 0x10, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00,
    0x0e, 0x10, 0x00, 0x24, 0x23, 0x76, 0x3d, 0x73, 0x70, 0x66, 0x31, 0x20, 0x69, 0x6e, 0x63, 0x6c,
    0x75, 0x64, 0x65, 0x3a, 0x5f, 0x73, 0x70, 0x66, 0x2e, 0x67, 0x6f, 0x6f, 0x67, 0x6c, 0x65, 0x2e,
    0x63, 0x6f, 0x6d, 0x20, 0x7e, 0x61, 0x6c, 0x6c, 0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00,
""")

# Same file, ``testBlankNameRootQuery``: "IP 10.77.0.26.53 > 10.1.0.233.65071: 59508-
# 0/13/3 (508)", a referral to the root servers: 13 NS records owned by the root name,
# glue A records named by pointers into the NS rdata (c038, c058, c078).
GOPACKET_DNS_ROOT_REFERRAL_FRAME = _c_array("""
    0x00, 0x55, 0x22, 0xaf, 0xc6, 0x37, 0x00, 0x22, 0x55, 0xac, 0xde, 0xac, 0x08, 0x00, 0x45, 0x00,
    0x02, 0x18, 0x76, 0xb2, 0x40, 0x00, 0x72, 0x11, 0x7a, 0xd2, 0x0a, 0x4d, 0x00, 0x1a, 0x0a, 0x01,
    0x00, 0xe9, 0x00, 0x35, 0xfe, 0x2f, 0x02, 0x04, 0xb8, 0xf5, 0xe8, 0x74, 0x81, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x0d, 0x00, 0x03, 0x0c, 0x61, 0x78, 0x6b, 0x76, 0x63, 0x68, 0x63, 0x70, 0x63,
    0x70, 0x73, 0x6c, 0x0a, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x03, 0x6e,
    0x65, 0x74, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
    0x00, 0x14, 0x01, 0x6d, 0x0c, 0x72, 0x6f, 0x6f, 0x74, 0x2d, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72,
    0x73, 0x03, 0x6e, 0x65, 0x74, 0x00, 0xc0, 0x2d, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
    0x00, 0x14, 0x01, 0x61, 0x0c, 0x72, 0x6f, 0x6f, 0x74, 0x2d, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72,
    0x73, 0x03, 0x6e, 0x65, 0x74, 0x00, 0xc0, 0x2d, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
    0x00, 0x14, 0x01, 0x69, 0x0c, 0x72, 0x6f, 0x6f, 0x74, 0x2d, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72,
    0x73, 0x03, 0x6e, 0x65, 0x74, 0x00, 0xc0, 0x2d, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
    0x00, 0x14, 0x01, 0x62, 0x0c, 0x72, 0x6f, 0x6f, 0x74, 0x2d, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72,
    0x73, 0x03, 0x6e, 0x65, 0x74, 0x00, 0xc0, 0x2d, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
    0x00, 0x14, 0x01, 0x6c, 0x0c, 0x72, 0x6f, 0x6f, 0x74, 0x2d, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72,
    0x73, 0x03, 0x6e, 0x65, 0x74, 0x00, 0xc0, 0x2d, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
    0x00, 0x14, 0x01, 0x66, 0x0c, 0x72, 0x6f, 0x6f, 0x74, 0x2d, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72,
    0x73, 0x03, 0x6e, 0x65, 0x74, 0x00, 0xc0, 0x2d, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
    0x00, 0x14, 0x01, 0x67, 0x0c, 0x72, 0x6f, 0x6f, 0x74, 0x2d, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72,
    0x73, 0x03, 0x6e, 0x65, 0x74, 0x00, 0xc0, 0x2d, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
    0x00, 0x14, 0x01, 0x64, 0x0c, 0x72, 0x6f, 0x6f, 0x74, 0x2d, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72,
    0x73, 0x03, 0x6e, 0x65, 0x74, 0x00, 0xc0, 0x2d, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
    0x00, 0x14, 0x01, 0x68, 0x0c, 0x72, 0x6f, 0x6f, 0x74, 0x2d, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72,
    0x73, 0x03, 0x6e, 0x65, 0x74, 0x00, 0xc0, 0x2d, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
    0x00, 0x14, 0x01, 0x65, 0x0c, 0x72, 0x6f, 0x6f, 0x74, 0x2d, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72,
    0x73, 0x03, 0x6e, 0x65, 0x74, 0x00, 0xc0, 0x2d, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
    0x00, 0x14, 0x01, 0x6a, 0x0c, 0x72, 0x6f, 0x6f, 0x74, 0x2d, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72,
    0x73, 0x03, 0x6e, 0x65, 0x74, 0x00, 0xc0, 0x2d, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
    0x00, 0x14, 0x01, 0x6b, 0x0c, 0x72, 0x6f, 0x6f, 0x74, 0x2d, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72,
    0x73, 0x03, 0x6e, 0x65, 0x74, 0x00, 0xc0, 0x2d, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
    0x00, 0x14, 0x01, 0x63, 0x0c, 0x72, 0x6f, 0x6f, 0x74, 0x2d, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72,
    0x73, 0x03, 0x6e, 0x65, 0x74, 0x00, 0xc0, 0x38, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
    0x00, 0x04, 0xca, 0x0c, 0x1b, 0x21, 0xc0, 0x58, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
    0x00, 0x04, 0xc6, 0x29, 0x00, 0x04, 0xc0, 0x78, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
    0x00, 0x04, 0xc0, 0x24, 0x94, 0x11,
""")

# Same file, ``testDNSMalformedPacket``: "IP 10.77.43.131.60718 > 10.1.0.17.53" carrying
# an HTTP request ("GET / HTTP/1.1 Host: www") on the DNS port (Ethernet frame).
GOPACKET_HTTP_ON_PORT_53_FRAME = _c_array("""
    0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x4e, 0x96, 0x14, 0x76, 0xaf, 0xa1, 0x08, 0x00, 0x45, 0x00,
    0x00, 0x39, 0xd4, 0x31, 0x00, 0x00, 0xf3, 0x11, 0xb3, 0xa0, 0x0a, 0x4d, 0x2b, 0x83, 0x0a, 0x01,
    0x00, 0x11, 0xed, 0x2e, 0x00, 0x35, 0x00, 0x25, 0x08, 0x32, 0x47, 0x45, 0x54, 0x20, 0x2f, 0x20,
    0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e, 0x31, 0x0d, 0x0a, 0x48, 0x6f, 0x73, 0x74, 0x3a, 0x20,
    0x77, 0x77, 0x77, 0x0d, 0x0a, 0x0d, 0x0a,
""")

# Same file, ``testPacketDNSPanic7``: "IP 10.77.0.11.53 > 10.1.0.67.55777: 41808*-| 3/7/0
# TXT ..." a TC response whose last NS record is cut off at 512 bytes (Ethernet frame).
GOPACKET_DNS_TRUNCATED_FRAME = _c_array("""
    0x00, 0x55, 0x22, 0xaf, 0xc6, 0x37, 0x00, 0x22, 0x55, 0xac, 0xde, 0xac, 0x08, 0x00, 0x45, 0x00,
    0x02, 0x1c, 0xb5, 0xca, 0x40, 0x00, 0xfa, 0x11, 0xb4, 0x6a, 0x0a, 0x4d, 0x00, 0x0b, 0x0a, 0x01,
    0x00, 0x43, 0x00, 0x35, 0xd9, 0xe1, 0x02, 0x08, 0xaf, 0xd6, 0xa3, 0x50, 0x86, 0x00, 0x00, 0x01,
    0x00, 0x03, 0x00, 0x07, 0x00, 0x00, 0x07, 0x6f, 0x75, 0x74, 0x6c, 0x6f, 0x6f, 0x6b, 0x03, 0x63,
    0x6f, 0x6d, 0x00, 0x00, 0x10, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00, 0x01,
    0x2c, 0x00, 0x45, 0x44, 0x67, 0x6f, 0x6f, 0x67, 0x6c, 0x65, 0x2d, 0x73, 0x69, 0x74, 0x65, 0x2d,
    0x76, 0x65, 0x72, 0x69, 0x66, 0x69, 0x63, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x3d, 0x44, 0x43, 0x32,
    0x75, 0x43, 0x2d, 0x54, 0x38, 0x6b, 0x44, 0x33, 0x33, 0x6c, 0x49, 0x4e, 0x68, 0x4e, 0x7a, 0x66,
    0x6f, 0x30, 0x62, 0x4e, 0x42, 0x72, 0x77, 0x2d, 0x76, 0x72, 0x43, 0x58, 0x73, 0x35, 0x42, 0x50,
    0x46, 0x35, 0x42, 0x58, 0x59, 0x35, 0x36, 0x67, 0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00,
    0x01, 0x2c, 0x00, 0xd3, 0xd2, 0x76, 0x3d, 0x73, 0x70, 0x66, 0x31, 0x20, 0x69, 0x6e, 0x63, 0x6c,
    0x75, 0x64, 0x65, 0x3a, 0x73, 0x70, 0x66, 0x2d, 0x61, 0x2e, 0x6f, 0x75, 0x74, 0x6c, 0x6f, 0x6f,
    0x6b, 0x2e, 0x63, 0x6f, 0x6d, 0x20, 0x69, 0x6e, 0x63, 0x6c, 0x75, 0x64, 0x65, 0x3a, 0x73, 0x70,
    0x66, 0x2d, 0x62, 0x2e, 0x6f, 0x75, 0x74, 0x6c, 0x6f, 0x6f, 0x6b, 0x2e, 0x63, 0x6f, 0x6d, 0x20,
    0x69, 0x70, 0x34, 0x3a, 0x31, 0x35, 0x37, 0x2e, 0x35, 0x35, 0x2e, 0x39, 0x2e, 0x31, 0x32, 0x38,
    0x2f, 0x32, 0x35, 0x20, 0x69, 0x6e, 0x63, 0x6c, 0x75, 0x64, 0x65, 0x3a, 0x73, 0x70, 0x66, 0x2e,
    0x70, 0x72, 0x6f, 0x74, 0x65, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x2e, 0x6f, 0x75, 0x74, 0x6c, 0x6f,
    0x6f, 0x6b, 0x2e, 0x63, 0x6f, 0x6d, 0x20, 0x69, 0x6e, 0x63, 0x6c, 0x75, 0x64, 0x65, 0x3a, 0x73,
    0x70, 0x66, 0x2d, 0x61, 0x2e, 0x68, 0x6f, 0x74, 0x6d, 0x61, 0x69, 0x6c, 0x2e, 0x63, 0x6f, 0x6d,
    0x20, 0x69, 0x6e, 0x63, 0x6c, 0x75, 0x64, 0x65, 0x3a, 0x5f, 0x73, 0x70, 0x66, 0x2d, 0x73, 0x73,
    0x67, 0x2d, 0x62, 0x2e, 0x6d, 0x69, 0x63, 0x72, 0x6f, 0x73, 0x6f, 0x66, 0x74, 0x2e, 0x63, 0x6f,
    0x6d, 0x20, 0x69, 0x6e, 0x63, 0x6c, 0x75, 0x64, 0x65, 0x3a, 0x5f, 0x73, 0x70, 0x66, 0x2d, 0x73,
    0x73, 0x67, 0x2d, 0x63, 0x2e, 0x6d, 0x69, 0x63, 0x72, 0x6f, 0x73, 0x6f, 0x66, 0x74, 0x2e, 0x63,
    0x6f, 0x6d, 0x20, 0x7e, 0x61, 0x6c, 0x6c, 0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00, 0x01,
    0x2c, 0x00, 0x45, 0x44, 0x67, 0x6f, 0x6f, 0x67, 0x6c, 0x65, 0x2d, 0x73, 0x69, 0x74, 0x65, 0x2d,
    0x76, 0x65, 0x72, 0x69, 0x66, 0x69, 0x63, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x3d, 0x30, 0x69, 0x4c,
    0x57, 0x68, 0x49, 0x4d, 0x68, 0x58, 0x45, 0x6b, 0x65, 0x57, 0x77, 0x57, 0x66, 0x46, 0x55, 0x34,
    0x75, 0x72, 0x73, 0x54, 0x6e, 0x2d, 0x5f, 0x4f, 0x76, 0x6f, 0x4f, 0x6a, 0x61, 0x41, 0x30, 0x4c,
    0x72, 0x37, 0x50, 0x67, 0x31, 0x73, 0x45, 0x4d, 0xc0, 0x0c, 0x00, 0x02, 0x00, 0x01, 0x00, 0x02,
    0xa3, 0x00, 0x00, 0x0e, 0x03, 0x6e, 0x73, 0x32, 0x04, 0x6d, 0x73, 0x66, 0x74, 0x03, 0x6e, 0x65,
    0x74, 0x00, 0xc0, 0x0c, 0x00, 0x02, 0x00, 0x01, 0x00, 0x02, 0xa3, 0x00, 0x00, 0x06, 0x03, 0x6e,
    0x73, 0x34, 0xc1, 0xae, 0xc0, 0x0c, 0x00, 0x02, 0x00, 0x01, 0x00, 0x02, 0xa3, 0x00, 0x00, 0x06,
    0x03, 0x6e, 0x73, 0x31, 0xc1, 0xae, 0xc0, 0x0c, 0x00, 0x02, 0x00, 0x01, 0x00, 0x02, 0xa3, 0x00,
    0x00, 0x06, 0x03, 0x6e, 0x73, 0x33, 0xc1, 0xae, 0xc0, 0x0c, 0x00, 0x02, 0x00, 0x01, 0x00, 0x02,
    0xa3, 0x00, 0x00, 0x15, 0x04, 0x6e, 0x73, 0x31, 0x61, 0x0d,
""")

# google/gopacket layers/udp_test.go at commit 0dcc1aa68f604dacb400019c7c689f68186b56f0,
# ``testUDPPacketDNS``: "IP 172.16.255.1.53 > 172.29.20.15.35181: 47320 7/0/0 MX ...
# (202)", "Packet generated by doing DNS query for 'xkcd.com'" (Ethernet frame). Seven MX
# records whose exchange names point into each other (c011, c053, c02d).
GOPACKET_DNS_MX_FRAME = _c_array("""
    0x24, 0xbe, 0x05, 0x27, 0x0b, 0x17, 0x00, 0x1f, 0xca, 0xb3, 0x75, 0xc0, 0x08, 0x00, 0x45, 0x00,
    0x00, 0xe6, 0x68, 0xcf, 0x00, 0x00, 0x3f, 0x11, 0xa6, 0xf9, 0xac, 0x10, 0xff, 0x01, 0xac, 0x1d,
    0x14, 0x0f, 0x00, 0x35, 0x89, 0x6d, 0x00, 0xd2, 0x75, 0x4a, 0xb8, 0xd8, 0x81, 0x80, 0x00, 0x01,
    0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x04, 0x78, 0x6b, 0x63, 0x64, 0x03, 0x63, 0x6f, 0x6d, 0x00,
    0x00, 0x0f, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x0f, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x18,
    0x00, 0x14, 0x04, 0x41, 0x4c, 0x54, 0x32, 0x05, 0x41, 0x53, 0x50, 0x4d, 0x58, 0x01, 0x4c, 0x06,
    0x47, 0x4f, 0x4f, 0x47, 0x4c, 0x45, 0xc0, 0x11, 0xc0, 0x0c, 0x00, 0x0f, 0x00, 0x01, 0x00, 0x00,
    0x02, 0x58, 0x00, 0x16, 0x00, 0x1e, 0x06, 0x41, 0x53, 0x50, 0x4d, 0x58, 0x32, 0x0a, 0x47, 0x4f,
    0x4f, 0x47, 0x4c, 0x45, 0x4d, 0x41, 0x49, 0x4c, 0xc0, 0x11, 0xc0, 0x0c, 0x00, 0x0f, 0x00, 0x01,
    0x00, 0x00, 0x02, 0x58, 0x00, 0x0b, 0x00, 0x1e, 0x06, 0x41, 0x53, 0x50, 0x4d, 0x58, 0x33, 0xc0,
    0x53, 0xc0, 0x0c, 0x00, 0x0f, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x0b, 0x00, 0x1e, 0x06,
    0x41, 0x53, 0x50, 0x4d, 0x58, 0x34, 0xc0, 0x53, 0xc0, 0x0c, 0x00, 0x0f, 0x00, 0x01, 0x00, 0x00,
    0x02, 0x58, 0x00, 0x0b, 0x00, 0x1e, 0x06, 0x41, 0x53, 0x50, 0x4d, 0x58, 0x35, 0xc0, 0x53, 0xc0,
    0x0c, 0x00, 0x0f, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x04, 0x00, 0x0a, 0xc0, 0x2d, 0xc0,
    0x0c, 0x00, 0x0f, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x09, 0x00, 0x14, 0x04, 0x41, 0x4c,
    0x54, 0x31, 0xc0, 0x2d,
""")

IPV4_UDP = 20 + 8  # IPv4 header without options + UDP header, in front of a DNS message

GOPACKET_DNS_QUERY = GOPACKET_DNS_QUERY_FRAME[ETHERNET + IPV4_UDP :]
GOPACKET_DNS_TXT = GOPACKET_DNS_TXT_FRAME[BSD_NULL + IPV4_UDP :]
GOPACKET_DNS_ROOT_REFERRAL = GOPACKET_DNS_ROOT_REFERRAL_FRAME[ETHERNET + IPV4_UDP :]
GOPACKET_DNS_MX = GOPACKET_DNS_MX_FRAME[ETHERNET + IPV4_UDP :]
GOPACKET_HTTP_ON_PORT_53 = GOPACKET_HTTP_ON_PORT_53_FRAME[ETHERNET + IPV4_UDP :]
GOPACKET_DNS_TRUNCATED = GOPACKET_DNS_TRUNCATED_FRAME[ETHERNET + IPV4_UDP :]

# well-formed DNS messages; importable by test_fuzz.py
DNS_MESSAGES: list[bytes] = [
    DNSPYTHON_QUERY,
    DNSPYTHON_SOA_ANSWER,
    GOPACKET_DNS_QUERY,
    GOPACKET_DNS_TXT,
    GOPACKET_DNS_ROOT_REFERRAL,
    GOPACKET_DNS_MX,
]

_ROOT_SERVERS = "maiblfgdhejkc"  # the order of the NS records in the root referral


def _rrsets(section) -> list[tuple[str, str, int, list[str]]]:
    return [
        (
            rrset.name.to_text(),
            dns.rdatatype.to_text(rrset.rdtype),
            rrset.ttl,
            [rd.to_text() for rd in rrset],
        )
        for rrset in section
    ]


# (DNS message bytes, expected fields); "flags" holds the header flag names dnspython uses
DNS_GOLDEN = [
    pytest.param(
        DNSPYTHON_QUERY,
        {
            "id": 1234,
            "flags": "RD",
            "question": ("wwww.dnspython.org.", "A"),
            "answer": [],
            "authority": [],
            "additional": [],
            "edns": (0, 4096, True),
            "summary": "DNS query A wwww.dnspython.org",
        },
        id="dnspython-query",
    ),
    pytest.param(
        DNSPYTHON_SOA_ANSWER,
        {
            "id": 1234,
            "flags": "QR AA RD",
            "question": ("dnspython.org.", "SOA"),
            "answer": [
                (
                    "dnspython.org.",
                    "SOA",
                    3600,
                    [
                        "woof.dnspython.org. hostmaster.dnspython.org. "
                        "2003052700 3600 1800 604800 3600"
                    ],
                )
            ],
            "authority": [
                (
                    "dnspython.org.",
                    "NS",
                    3600,
                    ["ns1.staff.nominum.org.", "ns2.staff.nominum.org.", "woof.play-bow.org."],
                )
            ],
            "additional": [("woof.play-bow.org.", "A", 3600, ["204.152.186.150"])],
            "edns": None,
            "summary": "DNS answer SOA dnspython.org -> woof.dnspython.org. "
            "hostmaster.dnspython.org. 2003052700 3600 1800 604800 3600",
        },
        id="dnspython-soa-compressed",
    ),
    pytest.param(
        GOPACKET_DNS_QUERY,
        {
            "id": 63000,
            "flags": "CD",
            "question": ("picslife.ru.", "A"),
            "answer": [],
            "authority": [],
            "additional": [],
            "edns": (0, 4096, True),
            "summary": "DNS query A picslife.ru",
        },
        id="capture-query-picslife.ru",
    ),
    pytest.param(
        GOPACKET_DNS_TXT,
        {
            "id": 0x9871,
            "flags": "QR RD RA",
            "question": ("google.com.", "TXT"),
            "answer": [("google.com.", "TXT", 3600, ['"v=spf1 include:_spf.google.com ~all"'])],
            "authority": [],
            "additional": [],
            "edns": (0, 4096, False),
            "summary": 'DNS answer TXT google.com -> "v=spf1 include:_spf.google.com ~all"',
        },
        id="capture-txt-google.com",
    ),
    pytest.param(
        GOPACKET_DNS_ROOT_REFERRAL,
        {
            "id": 59508,
            "flags": "QR RD",
            "question": ("axkvchcpcpsl.xxxxxxxxxx.net.", "A"),
            "answer": [],
            "authority": [(".", "NS", 3600, [f"{c}.root-servers.net." for c in _ROOT_SERVERS])],
            "additional": [
                ("m.root-servers.net.", "A", 3600, ["202.12.27.33"]),
                ("a.root-servers.net.", "A", 3600, ["198.41.0.4"]),
                ("i.root-servers.net.", "A", 3600, ["192.36.148.17"]),
            ],
            "edns": None,
            "summary": "DNS answer A axkvchcpcpsl.xxxxxxxxxx.net: no A records",
        },
        id="capture-root-referral",
    ),
    pytest.param(
        GOPACKET_DNS_MX,
        {
            "id": 47320,
            "flags": "QR RD RA",
            "question": ("xkcd.com.", "MX"),
            "answer": [
                (
                    "xkcd.com.",
                    "MX",
                    600,
                    [
                        "20 ALT2.ASPMX.L.GOOGLE.com.",
                        "30 ASPMX2.GOOGLEMAIL.com.",
                        "30 ASPMX3.GOOGLEMAIL.com.",
                        "30 ASPMX4.GOOGLEMAIL.com.",
                        "30 ASPMX5.GOOGLEMAIL.com.",
                        "10 ASPMX.L.GOOGLE.com.",
                        "20 ALT1.ASPMX.L.GOOGLE.com.",
                    ],
                )
            ],
            "authority": [],
            "additional": [],
            "edns": None,
            "summary": "DNS answer MX xkcd.com -> 20 ALT2.ASPMX.L.GOOGLE.com., "
            "30 ASPMX2.GOOGLEMAIL.com., 30 ASPMX3.GOOGLEMAIL.com., 30 ASPMX4.GOOGLEMAIL.com., "
            "30 ASPMX5.GOOGLEMAIL.com., 10 ASPMX.L.GOOGLE.com., 20 ALT1.ASPMX.L.GOOGLE.com.",
        },
        id="capture-mx-xkcd.com",
    ),
]


class TestDNSVectors:
    @pytest.mark.parametrize(("data", "expected"), DNS_GOLDEN)
    def test_parse_dns(self, data, expected):
        m = parse_dns(data)
        assert isinstance(m, dns.message.Message)
        assert m.id == expected["id"]
        assert dns.flags.to_text(m.flags) == expected["flags"]
        assert m.rcode() == dns.rcode.NOERROR
        assert len(m.question) == 1
        q = m.question[0]
        assert (q.name.to_text(), dns.rdatatype.to_text(q.rdtype)) == expected["question"]
        assert q.rdclass == dns.rdataclass.IN
        assert _rrsets(m.answer) == expected["answer"]
        assert _rrsets(m.authority) == expected["authority"]
        assert _rrsets(m.additional) == expected["additional"]
        if expected["edns"] is None:
            assert m.edns == -1
        else:
            version, payload, do = expected["edns"]
            assert (m.edns, m.payload, bool(m.ednsflags & dns.flags.DO)) == (version, payload, do)

    @pytest.mark.parametrize(("data", "expected"), DNS_GOLDEN)
    def test_dns_summary(self, data, expected):
        assert dns_summary(parse_dns(data)) == expected["summary"]

    def test_compression_pointers_are_followed(self):
        # the glue names in the root referral are pointers into the NS rdata
        m = parse_dns(GOPACKET_DNS_ROOT_REFERRAL)
        assert b"\xc0\x38" in GOPACKET_DNS_ROOT_REFERRAL
        ns = [rd.target for rd in m.authority[0]]
        assert [rrset.name for rrset in m.additional] == [ns[0], ns[1], ns[2]]

    def test_dns_summary_of_nxdomain_and_empty_question(self):
        m = parse_dns(DNSPYTHON_SOA_ANSWER)
        m.set_rcode(dns.rcode.NXDOMAIN)
        assert dns_summary(m) == "DNS answer SOA dnspython.org: NXDOMAIN"
        m.question = []
        assert dns_summary(m) == "DNS message without a question"

    @pytest.mark.parametrize(
        "data",
        [
            pytest.param(DNSPYTHON_QUERY + b"\x00", id="dnspython-trailing-junk"),
            pytest.param(b"\x00" * 11, id="dnspython-short-header"),
            pytest.param(b"", id="empty"),
            pytest.param(GOPACKET_HTTP_ON_PORT_53, id="capture-http-on-port-53"),
            pytest.param(GOPACKET_DNS_TRUNCATED, id="capture-truncated-tc"),
        ]
        + [
            pytest.param(m[: len(m) // 2], id=f"half-of-message-{i}")
            for i, m in enumerate(DNS_MESSAGES)
        ],
    )
    def test_malformed_dns(self, data):
        with pytest.raises(MalformedPacket):
            parse_dns(data)

    def test_http_on_port_53_is_readable_as_http(self):
        assert GOPACKET_HTTP_ON_PORT_53.startswith(b"GET / HTTP/1.1\r\n")
        assert extract_host(GOPACKET_HTTP_ON_PORT_53) == "www"


# =========================================================================================
# IP packets
# =========================================================================================

# tcpdump's own test output for tests/print-flags.pcap (a loopback HTTP fetch):
# the-tcpdump-group/tcpdump tests/print-xx.out at commit
# 7b97a6070196cce6dbab95fe4a57ccff0476f1cb ("-xx" hex, including a zeroed Ethernet header).
# "IP 127.0.0.1.55920 > 127.0.0.1.80: S 928549246:928549246(0) win 32767 <mss 16396,sackOK,
# timestamp 1306300950 0,nop,wscale 2>"
TCPDUMP_SYN_FRAME = _hex("""
    0000 0000 0000 0000 0000 0000 0800 4500
    003c 1b68 4000 4006 2152 7f00 0001 7f00
    0001 da70 0050 3758 897e 0000 0000 a002
    7fff 1421 0000 0204 400c 0402 080a 4ddc
    9216 0000 0000 0103 0302
""")
# "IP 127.0.0.1.80 > 127.0.0.1.55920: S 930778609:930778609(0) ack 928549247 win 32767 <mss
# 16396,sackOK,timestamp 1306300950 1306300950,nop,wscale 2>"
TCPDUMP_SYN_ACK_FRAME = _hex("""
    0000 0000 0000 0000 0000 0000 0800 4500
    003c 0000 4000 4006 3cba 7f00 0001 7f00
    0001 0050 da70 377a 8df1 3758 897f a012
    7fff 6eb1 0000 0204 400c 0402 080a 4ddc
    9216 4ddc 9216 0103 0302
""")
# "IP 127.0.0.1.55920 > 127.0.0.1.80: P 1:203(202) ack 1 win 8192 <nop,nop,timestamp
# 1306300951 1306300950>" (an HTTP GET with "Host: localhost")
TCPDUMP_HTTP_GET_FRAME = _hex("""
    0000 0000 0000 0000 0000 0000 0800 4500
    00fe 1b6c 4000 4006 208c 7f00 0001 7f00
    0001 da70 0050 3758 897f 377a 8df2 8018
    2000 fef2 0000 0101 080a 4ddc 9217 4ddc
    9216 4745 5420 2f20 4854 5450 2f31 2e31
    0d0a 486f 7374 3a20 6c6f 6361 6c68 6f73
    740d 0a55 7365 722d 4167 656e 743a 2045
    4c69 6e6b 732f 302e 3130 2e34 2d37 2d64
    6562 6961 6e20 2874 6578 746d 6f64 653b
    204c 696e 7578 2032 2e36 2e31 312d 312d
    3638 362d 736d 7020 6936 3836 3b20 3133
    3278 3536 2d32 290d 0a41 6363 6570 743a
    202a 2f2a 0d0a 4163 6365 7074 2d45 6e63
    6f64 696e 673a 2067 7a69 700d 0a41 6363
    6570 742d 4c61 6e67 7561 6765 3a20 656e
    0d0a 436f 6e6e 6563 7469 6f6e 3a20 4b65
    6570 2d41 6c69 7665 0d0a 0d0a
""")

# google/gopacket layers/tcp_test.go at commit 113c6ce3c3ae50bc78e2e10f518ef59a6998b74b,
# ``testPacketTCPOptionDecode``: "IP 192.168.0.1.12345 > 192.168.0.2.54321: Flags [S], seq
# 3735928559:3735928563, win 0, options [mss 8192,eol], length 4" (a crafted SYN with an MSS
# option padded by EOL, data offset 7, and a 4-byte payload "Test").
GOPACKET_SYN_MSS_EOL_FRAME = _c_array("""
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45, 0x00,
    0x00, 0x34, 0x00, 0x00, 0x00, 0x00, 0x80, 0x06, 0xb9, 0x70, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8,
    0x00, 0x02, 0x30, 0x39, 0xd4, 0x31, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00, 0x70, 0x02,
    0x00, 0x00, 0x82, 0x9c, 0x00, 0x00, 0x02, 0x04, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x54, 0x65,
    0x73, 0x74,
""")

# A captured IPv6 + TCP ACK (Dec 2014): juraj-juraj/IPK_projekt_2
# testovanie/ipv6/tcp/tcp3_snif.res at commit 33f787e530a598aac0bb34085c2afdaa6241836d (hex
# dump of the Ethernet frame); tcp3.res (commit b727ed672250c4b916bd92a425fde828cca53464)
# holds tshark's dissection of the same frame, TCP checksum 0x0ca8.
IPV6_TCP_ACK_FRAME = _hex("""
    00 05 73 a0 07 d1 68 a3 c4 f9 49 f6 86 dd 60 00
    00 00 00 14 06 40 20 01 04 70 e5 bf de ad 49 57
    21 74 e8 2c 48 87 26 07 f8 b0 40 0c 0c 03 00 00
    00 00 00 00 00 1a f9 c7 00 19 03 a0 88 37 95 63
    98 91 50 10 00 40 0c a8 00 00
""")

# google/gopacket layers/ip6_test.go at commit 08e21de3e58e97d4dc205de89ba656e044277a09,
# ``testPacketIPv6Destination0``: "IP6 2001:db8::1 > 2001:db8::2: DSTOPT no next header"
# (raw IPv6, no link header): IPv6 that carries neither TCP nor UDP.
IPV6_DSTOPT_NO_NEXT_HEADER = _c_array("""
    0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x3c, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x3b, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
""")

_LOOP = "127.0.0.1"

# (raw IP bytes, expected Packet fields, whether Packet.to_bytes() must give the same bytes,
# whether the checksums in the capture itself verify)
# The serializer writes DF set, TOS 0, no IP options, urgent pointer 0, and no TCP option
# but MSS, so only packets of that shape can round-trip byte for byte.
IP_GOLDEN = [
    pytest.param(
        TCPDUMP_SYN_FRAME[ETHERNET:],
        dict(
            src=_LOOP,
            dst=_LOOP,
            proto="tcp",
            sport=55920,
            dport=80,
            flags="S",
            seq=928549246,
            ack=0,
            window=32767,
            ttl=64,
            ident=0x1B68,
            mss=16396,
            payload=b"",
        ),
        False,  # options: mss, sackOK, timestamp, nop, wscale
        True,  # the capture's checksums verify
        id="tcpdump-syn",
    ),
    pytest.param(
        TCPDUMP_SYN_ACK_FRAME[ETHERNET:],
        dict(
            src=_LOOP,
            dst=_LOOP,
            proto="tcp",
            sport=80,
            dport=55920,
            flags="SA",
            seq=930778609,
            ack=928549247,
            window=32767,
            ttl=64,
            ident=0,
            mss=16396,
            payload=b"",
        ),
        False,
        True,  # the capture's checksums verify
        id="tcpdump-syn-ack",
    ),
    pytest.param(
        TCPDUMP_HTTP_GET_FRAME[ETHERNET:],
        dict(
            src=_LOOP,
            dst=_LOOP,
            proto="tcp",
            sport=55920,
            dport=80,
            flags="PA",
            seq=928549247,
            ack=930778610,
            window=8192,
            ttl=64,
            ident=0x1B6C,
            mss=None,
            payload_len=202,
        ),
        False,  # nop, nop, timestamp
        # the capture's TCP checksum field holds only the pseudo-header sum (0xfef2):
        # Linux checksum offload on loopback, so the capture itself does not verify
        False,
        id="tcpdump-http-get",
    ),
    pytest.param(
        GOPACKET_SYN_MSS_EOL_FRAME[ETHERNET:],
        dict(
            src="192.168.0.1",
            dst="192.168.0.2",
            proto="tcp",
            sport=12345,
            dport=54321,
            flags="S",
            seq=3735928559,
            ack=0,
            window=0,
            ttl=128,
            ident=0,
            mss=8192,
            payload=b"Test",
        ),
        False,  # no DF, and data offset 7 (MSS + EOL padding)
        True,  # the capture's checksums verify
        id="gopacket-syn-mss-eol",
    ),
    pytest.param(
        SNI_24WD_FRAME[ETHERNET:],
        dict(
            src="91.228.63.222",
            dst="94.102.58.6",
            proto="tcp",
            sport=53018,
            dport=443,
            flags="PA",
            seq=0x2713C1E0,
            ack=0x1EB01FA2,
            window=16560,
            ttl=125,
            ident=0x3990,
            mss=None,
            payload=SNI_24WD_CLIENT_HELLO,
        ),
        True,
        True,  # the capture's checksums verify
        id="capture-tls-client-hello",
    ),
    pytest.param(
        IPV6_TCP_ACK_FRAME[ETHERNET:],
        dict(
            src="2001:470:e5bf:dead:4957:2174:e82c:4887",
            dst="2607:f8b0:400c:c03::1a",
            proto="tcp",
            sport=63943,
            dport=25,
            flags="A",
            seq=60852279,
            ack=2506332305,
            window=64,
            ttl=64,
            ident=0,
            mss=None,
            payload=b"",
        ),
        True,
        True,  # the capture's checksums verify
        id="capture-ipv6-tcp-ack",
    ),
    pytest.param(
        GOPACKET_DNS_QUERY_FRAME[ETHERNET:],
        dict(
            src="109.194.160.4",
            dst="95.211.92.14",
            proto="udp",
            sport=57766,
            dport=53,
            flags="",
            ttl=56,
            ident=0x89C4,
            payload=GOPACKET_DNS_QUERY,
        ),
        False,  # DF not set
        True,  # the capture's checksums verify
        id="capture-udp-dns-query",
    ),
    pytest.param(
        GOPACKET_DNS_TXT_FRAME[BSD_NULL:],
        dict(
            src="208.67.222.222",
            dst="10.186.35.6",
            proto="udp",
            sport=53,
            dport=33202,
            flags="",
            ttl=57,
            ident=0,
            payload=GOPACKET_DNS_TXT,
        ),
        True,
        True,  # the capture's checksums verify
        id="capture-udp-dns-txt-answer",
    ),
    pytest.param(
        GOPACKET_DNS_ROOT_REFERRAL_FRAME[ETHERNET:],
        dict(
            src="10.77.0.26",
            dst="10.1.0.233",
            proto="udp",
            sport=53,
            dport=65071,
            flags="",
            ttl=114,
            ident=0x76B2,
            payload=GOPACKET_DNS_ROOT_REFERRAL,
        ),
        False,  # its own UDP checksum is wrong, so ours cannot equal it
        # the capture's UDP checksum (0xb8f5) does not verify although its IP header
        # checksum and every DNS field do: the capture is wrong, not the copy
        False,
        id="capture-udp-dns-referral",
    ),
    pytest.param(
        GOPACKET_DNS_MX_FRAME[ETHERNET:],
        dict(
            src="172.16.255.1",
            dst="172.29.20.15",
            proto="udp",
            sport=53,
            dport=35181,
            flags="",
            ttl=63,
            ident=0x68CF,
            payload=GOPACKET_DNS_MX,
        ),
        False,  # DF not set
        True,  # the capture's checksums verify
        id="capture-udp-dns-mx",
    ),
]

# raw IP packets; importable by test_fuzz.py
IP_PACKETS: list[bytes] = [p.values[0] for p in IP_GOLDEN]


def _checksum_ok(raw: bytes) -> bool:
    """Whether the IPv4 header and TCP/UDP checksums of ``raw`` verify (one's complement)."""

    def fold(data: bytes) -> int:
        if len(data) % 2:
            data += b"\0"
        total = sum(int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2))
        while total >> 16:
            total = (total & 0xFFFF) + (total >> 16)
        return total

    if raw[0] >> 4 == 4:
        ihl = (raw[0] & 0x0F) * 4
        if fold(raw[:ihl]) != 0xFFFF:
            return False
        total = int.from_bytes(raw[2:4], "big")
        l4 = raw[ihl:total]
        pseudo = raw[12:20] + bytes([0, raw[9]]) + len(l4).to_bytes(2, "big")
    else:
        l4 = raw[40 : 40 + int.from_bytes(raw[4:6], "big")]
        pseudo = raw[8:40] + len(l4).to_bytes(4, "big") + bytes([0, 0, 0, raw[6]])
    return fold(pseudo + l4) == 0xFFFF


class TestIPVectors:
    @pytest.mark.parametrize(("raw", "expected", "exact", "checksums_ok"), IP_GOLDEN)
    def test_from_bytes_fields(self, raw, expected, exact, checksums_ok):
        p = Packet.from_bytes(raw)
        assert isinstance(p, Packet)
        for name, value in expected.items():
            if name in ("src", "dst"):
                assert getattr(p, name) == ipaddress.ip_address(value), name
            elif name == "payload_len":
                assert len(p.payload) == value
            else:
                assert getattr(p, name) == value, name
        assert p.version == ipaddress.ip_address(expected["src"]).version

    @pytest.mark.parametrize(("raw", "expected", "exact", "checksums_ok"), IP_GOLDEN)
    def test_to_bytes_round_trip(self, raw, expected, exact, checksums_ok):
        p = Packet.from_bytes(raw)
        again = p.to_bytes()
        assert Packet.from_bytes(again) == p  # every field survives our own serializer
        assert _checksum_ok(again)
        if exact:
            assert _checksum_ok(raw)  # the capture's own checksums are right...
            assert again == raw  # ...and ours are the same bytes

    @pytest.mark.parametrize(("raw", "expected", "exact", "checksums_ok"), IP_GOLDEN)
    def test_captured_checksums(self, raw, expected, exact, checksums_ok):
        # a copying error would break the checksums of the captures that had them right
        assert _checksum_ok(raw) == checksums_ok
        assert not exact or checksums_ok

    def test_payloads_are_readable(self):
        get = Packet.from_bytes(TCPDUMP_HTTP_GET_FRAME[ETHERNET:])
        assert extract_host(get.payload) == "localhost"
        hello = Packet.from_bytes(SNI_24WD_FRAME[ETHERNET:])
        assert extract_sni(hello.payload) == "24wd.biz"
        assert hello.summary() == "TLS ClientHello (SNI 24wd.biz)"
        answer = Packet.from_bytes(GOPACKET_DNS_TXT_FRAME[BSD_NULL:])
        assert (
            answer.summary() == 'DNS answer TXT google.com -> "v=spf1 include:_spf.google.com ~all"'
        )

    def test_scapy_agrees(self):
        from scapy.layers.inet import IP, TCP, UDP
        from scapy.layers.inet6 import IPv6

        for raw in IP_PACKETS:
            p = Packet.from_bytes(raw)
            s = (IP if p.version == 4 else IPv6)(raw)
            layer = s[TCP] if p.proto == "tcp" else s[UDP]
            assert (layer.sport, layer.dport) == (p.sport, p.dport)
            assert bytes(layer.payload) == p.payload
            if p.proto == "tcp":
                assert (layer.seq, layer.ack, str(layer.flags)) == (p.seq, p.ack, p.flags)

    @pytest.mark.parametrize(
        "raw",
        [
            pytest.param(IPV6_DSTOPT_NO_NEXT_HEADER, id="ipv6-dstopt-no-next-header"),
            pytest.param(TCPDUMP_SYN_FRAME, id="ethernet-header-not-stripped"),
            pytest.param(GOPACKET_DNS_TXT_FRAME, id="bsd-null-header-not-stripped"),
            pytest.param(b"", id="empty"),
        ]
        + [pytest.param(p[:19], id=f"cut-in-ip-header-{i}") for i, p in enumerate(IP_PACKETS)]
        + [pytest.param(p[:-1], id=f"one-byte-short-{i}") for i, p in enumerate(IP_PACKETS)],
    )
    def test_malformed_ip(self, raw):
        with pytest.raises(MalformedPacket):
            Packet.from_bytes(raw)

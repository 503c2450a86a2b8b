"""The wire package: parse_client_hello against scapy's dissection of real hellos, ICMP
errors as real bytes, field ranges, pcap timestamps, describe()."""

from __future__ import annotations

import ipaddress
import struct
import subprocess

import pytest
from test_golden import CLIENT_HELLOS, SNI_CASES

import censorsim as cs
from censorsim.wire import (
    ClientHello,
    Incomplete,
    MalformedPacket,
    Packet,
    describe,
    extract_sni,
    icmp_error,
    parse_client_hello,
    read_pcap,
    write_pcap,
)

A = ipaddress.ip_address


def _scapy_hello(data: bytes):
    from censorsim._scapy import dissect_tls

    record = dissect_tls(data)
    return record.msg[0]


class TestParseClientHello:
    @pytest.mark.parametrize(("data", "name"), SNI_CASES)
    def test_agrees_with_scapy(self, data, name):
        view = parse_client_hello(data)
        assert isinstance(view, ClientHello)
        assert view.sni == name == extract_sni(data)
        msg = _scapy_hello(data)
        assert list(view.cipher_suites) == list(msg.ciphers)
        assert list(view.extensions) == [e.type for e in msg.ext]
        assert view.random == bytes(msg.random_bytes) or view.random[4:] == bytes(msg.random_bytes)
        assert view.length == 4 + msg.msglen
        alpn = [e for e in msg.ext if e.type == 16]
        if alpn:
            assert list(view.alpn) == [p.protocol.decode() for p in alpn[0].protocols]
        else:
            assert view.alpn == ()
        versions = [e for e in msg.ext if e.type == 43]
        if versions:
            assert list(view.supported_versions) == list(versions[0].versions)
        else:
            assert view.supported_versions == ()
        assert view.ech is False

    def test_chromium_grease_and_names(self):
        data = dict((n, d) for d, n in CLIENT_HELLOS)["edgeapi.slack.com"]
        view = parse_client_hello(data)
        assert view.extensions[0] == 0x3A3A  # GREASE first, as Chromium sends it
        assert view.extension_names[0] == "0x3a3a"
        assert view.alpn == ("h2", "http/1.1")
        assert 0x0304 in view.supported_versions
        assert "SNI='edgeapi.slack.com'" in repr(view) and "0x" not in repr(view).split("SNI")[0]

    def test_ech_extension_is_seen(self):
        data, name = CLIENT_HELLOS[0]
        ech = _with_extension(data, 0xFE0D, b"\x00" + b"\x01" * 40)
        view = parse_client_hello(ech)
        assert view.ech and view.extensions[-1] == 0xFE0D and view.sni == name
        assert view.extension_names[-1] == "encrypted_client_hello"
        assert extract_sni(ech) == name

    @pytest.mark.parametrize(("data", "name"), SNI_CASES)
    def test_every_prefix_is_incomplete(self, data, name):
        end = 5 + ((data[3] << 8) | data[4])
        for cut in range(0, end, 7):
            with pytest.raises(Incomplete):
                parse_client_hello(data[:cut])

    def test_a_record_of_another_type_cuts_it_short(self):
        data, _ = CLIENT_HELLOS[0]
        first = data[:3] + (55).to_bytes(2, "big") + data[5:60]  # a record of 55 bytes
        with pytest.raises(MalformedPacket, match="another type"):
            parse_client_hello(first + b"\x17\x03\x03\x00\x01\x00")
        with pytest.raises(Incomplete):  # a handshake record may still come instead
            parse_client_hello(first)

    @pytest.mark.parametrize(
        ("ext_type", "body"),
        [
            (16, b"\x00\x05\x02h2"),  # ALPN list length too long
            (16, b"\x00\x01\x00"),  # an empty protocol name
            (43, b"\x03\x03\x04"),  # an odd versions length
            (43, b""),  # empty
        ],
    )
    def test_malformed_extension_bodies(self, ext_type, body):
        data, _ = CLIENT_HELLOS[2]  # illustrated TLS 1.2: no ALPN, no supported_versions
        with pytest.raises(MalformedPacket):
            parse_client_hello(_with_extension(data, ext_type, body))

    def test_not_bytes(self):
        with pytest.raises(MalformedPacket, match="expected bytes"):
            parse_client_hello("hello")


def _with_extension(record: bytes, ext_type: int, body: bytes) -> bytes:
    """The ClientHello record with one more extension at the end, every length fixed."""
    hs = bytearray(record[5:])
    msg_len = int.from_bytes(hs[1:4], "big")
    hs = hs[: 4 + msg_len]
    # find the extensions length: after random, session id, suites, compression
    i = 4 + 2 + 32
    i += 1 + hs[i]
    i += 2 + int.from_bytes(hs[i : i + 2], "big")
    i += 1 + hs[i]
    ext_len = int.from_bytes(hs[i : i + 2], "big")
    extra = struct.pack("!HH", ext_type, len(body)) + body
    hs[i : i + 2] = (ext_len + len(extra)).to_bytes(2, "big")
    hs += extra
    hs[1:4] = (len(hs) - 4).to_bytes(3, "big")
    return record[:3] + len(hs).to_bytes(2, "big") + bytes(hs)


class TestICMP:
    def _probe(self, version=4) -> Packet:
        src, dst = (
            ("198.18.0.2", "203.0.113.10")
            if version == 4
            else ("2001:db8:18::2", "2001:db8:cd::10")
        )
        return Packet(
            A(src), A(dst), "tcp", 50000, 443, b"\x16\x03\x01" + b"x" * 900, "PA", 7, 9, ttl=1
        )

    @pytest.mark.parametrize("version", [4, 6])
    def test_time_exceeded_round_trip_and_quote(self, version):
        probe = self._probe(version)
        router = A("198.18.0.1") if version == 4 else A("2001:db8:18::1")
        icmp = icmp_error("time-exceeded", probe, router)
        assert icmp.dst == probe.src and icmp.src == router
        assert icmp.icmp_kind == "time-exceeded"
        assert (icmp.icmp_type, icmp.icmp_code) == ((11, 0) if version == 4 else (3, 0))
        raw = icmp.to_bytes()
        assert len(raw) <= (576 if version == 4 else 1280)  # RFC 1812 / RFC 4443 limits
        again = Packet.from_bytes(raw)
        assert again == icmp
        quoted = again.quoted()
        assert (quoted.src, quoted.dst, quoted.sport, quoted.dport, quoted.seq) == (
            probe.src, probe.dst, probe.sport, probe.dport, probe.seq,
        )  # fmt: skip
        assert quoted.ttl == probe.ttl
        assert "ICMP time-exceeded" in describe(icmp) and ":443" in describe(icmp)

    def test_tshark_decodes_and_verifies_checksums(self, tmp_path):
        from helpers import require_program

        tshark = require_program("tshark")
        records = []
        for version, router in ((4, "192.0.2.1"), (6, "2001:db8::1")):
            for kind in ("time-exceeded", "port-unreachable"):
                records.append((1.0, icmp_error(kind, self._probe(version), A(router)).to_bytes()))
        path = write_pcap(tmp_path / "icmp.pcap", records)
        out = subprocess.run(
            [tshark, "-r", str(path)]
            + ["-T", "fields", "-E", "separator=,", "-e", "icmp.type", "-e", "icmp.code"]
            + ["-e", "icmp.checksum.status", "-e", "icmpv6.type", "-e", "icmpv6.code"]
            + ["-e", "icmpv6.checksum.status", "-e", "tcp.dstport"],
            capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        # status 1 means "good" in tshark's checksum fields; the quoted TCP port is read
        assert out == [
            "11,0,1,,,,443",
            "3,3,1,,,,443",
            ",,,3,0,1,443",
            ",,,1,4,1,443",
        ]

    def test_bad_kind(self):
        with pytest.raises(ValueError, match="'time-exceded'"):
            icmp_error("time-exceded", self._probe(), A("192.0.2.1"))


class TestFieldRanges:
    @pytest.mark.parametrize(
        ("field", "value"),
        [("window", 70000), ("ttl", 256), ("ttl", -1), ("ident", 65536), ("mss", 70000),
         ("seq", 2**32), ("sport", 65536), ("window", 1.5)],
    )  # fmt: skip
    def test_out_of_range_fields_are_refused_where_given(self, field, value):
        fields = dict(src=A("192.0.2.1"), dst=A("192.0.2.2"), proto="tcp", sport=1, dport=2)
        fields[field] = value
        with pytest.raises(ValueError, match=field):
            Packet(**fields)

    def test_icmp_fields_only_on_icmp(self):
        with pytest.raises(ValueError, match="icmp_type"):
            Packet(A("192.0.2.1"), A("192.0.2.2"), "udp", 1, 2, icmp_type=3)
        with pytest.raises(ValueError, match="no ports"):
            Packet(A("192.0.2.1"), A("192.0.2.2"), "icmp", 1, 2, icmp_type=3)


class TestPcap:
    def test_round_trip(self, tmp_path):
        p = Packet(A("192.0.2.1"), A("192.0.2.2"), "udp", 1, 2, b"hi")
        path = write_pcap(tmp_path / "x.pcap", [(1.5, p.to_bytes())])
        [(t, raw)] = read_pcap(path)
        assert t == 1.5 and Packet.from_bytes(raw) == p

    @pytest.mark.parametrize("stamp", [float("nan"), float("inf"), -1.0, 2.0**32])
    def test_timestamps_outside_the_format_are_refused(self, tmp_path, stamp):
        with pytest.raises(ValueError, match="timestamp"):
            write_pcap(tmp_path / "x.pcap", [(stamp, b"\x45")])
        assert not (tmp_path / "x.pcap").exists()  # nothing half-written


def test_server_first_flight_names_its_records(world):
    r = world.client("alice").fetch("https://bakery.example/")
    texts = [describe(p) for p in r.trace.packets()]
    flight = next(t for t in texts if "ServerHello" in t)
    # TLS 1.3 (RFC 8446 D.4): ServerHello, then a change_cipher_spec record, then the
    # encrypted rest of the handshake in application-data records
    assert flight == "TLS ServerHello, ChangeCipherSpec, encrypted handshake"


def test_wire_package_exports():
    for name in cs.wire.__all__:
        assert getattr(cs.wire, name) is not None

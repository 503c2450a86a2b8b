"""Reading the SNI of a QUIC Initial: ``censorsim.wire.extract_quic_sni`` against aioquic's code.

What it measures
----------------
How many client Initial datagrams per second each side turns into what it is asked for,
on the same datagrams: the first flight of aioquic's own client
(``QuicConnection.connect`` then ``datagrams_to_send``), 1200 bytes each, for a few server
names, QUIC v1 and v2.

* censorsim: ``extract_quic_sni(datagram)``: parse the long header, derive the Initial keys
  from the DCID, remove header protection, decrypt, walk the frames, reassemble CRYPTO,
  read the ClientHello to the server name (what a censor does per datagram);
* aioquic, decrypt: what its server does with the same datagram, with its own packet
  code: ``pull_quic_header``, ``CryptoPair.setup_initial`` (the same key derivation),
  ``CryptoPair.decrypt_packet`` (header protection and AES-128-GCM, in C through
  OpenSSL). It stops at the decrypted payload: less work than the SNI;
* aioquic, to the SNI: the same, then the CRYPTO frame read with aioquic's ``Buffer`` and
  the ClientHello with ``aioquic.tls.pull_client_hello``: the same work as censorsim's.

All three must give the same bytes or name for every datagram before anything is timed.

How
---
``time.perf_counter`` around a batch of calls cycling over the datagrams, after a warm-up;
REPS repetitions; the headline is the BEST repetition, the median in brackets. The target
printed (not asserted): extract_quic_sni at least half as fast as aioquic's decryption
alone, since both derive keys with HMAC and decrypt through OpenSSL, and the rest is a
frame walk and a ClientHello parse.

Run: ``.venv/bin/python benchmarks/bench_quic.py`` (about 20 s).
"""

from __future__ import annotations

import time

from _common import CPUShare, met, ops_per_second, write_summary
from aioquic.buffer import Buffer
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.connection import QuicConnection
from aioquic.quic.crypto import CryptoPair
from aioquic.quic.packet import QuicProtocolVersion, pull_quic_header
from aioquic.tls import pull_client_hello

from censorsim.wire import QUIC_V1, QUIC_V2, extract_quic_sni, parse_quic_initial

NAMES = (
    "bakery.example",
    "futbol-stream.example",
    "www.school.example",
    "a-rather-long-subdomain-name.cdn-customer.pay.example",
)
REPS = 7
BATCH = 5_000
TARGET_RATIO = 0.5  # extract_quic_sni ops/s divided by aioquic's decryption ops/s


def first_flights() -> dict[str, list[bytes]]:
    out = {}
    for label, version in (("QUIC v1", QUIC_V1), ("QUIC v2", QUIC_V2)):
        datagrams = []
        for name in NAMES:
            config = QuicConfiguration(
                is_client=True,
                server_name=name,
                alpn_protocols=["h3"],
                original_version=version,
                supported_versions=[version],
            )
            connection = QuicConnection(configuration=config)
            connection.connect(("203.0.113.5", 443), now=0)
            (datagram,) = [d for d, _ in connection.datagrams_to_send(now=0)]
            datagrams.append(datagram)
        out[label] = datagrams
    return out


def aioquic_decrypt(datagram: bytes) -> bytes:
    """The first packet's plaintext, by aioquic's packet code (as its server does)."""
    buf = Buffer(data=datagram)
    header = pull_quic_header(buf, host_cid_length=8)
    pair = CryptoPair()
    pair.setup_initial(
        cid=header.destination_cid, is_client=False, version=QuicProtocolVersion(header.version)
    )
    _, payload, _ = pair.decrypt_packet(datagram[: header.packet_length], buf.tell(), 0)
    return payload


def aioquic_sni(datagram: bytes) -> str | None:
    """aioquic all the way to the server name: decrypt, one CRYPTO frame, pull_client_hello."""
    buf = Buffer(data=aioquic_decrypt(datagram))
    while True:  # skip frames until the CRYPTO frame (aioquic's client sends it first)
        frame_type = buf.pull_uint_var()
        if frame_type == 0x06:
            break
        if frame_type not in (0x00, 0x01):
            raise ValueError(f"frame 0x{frame_type:02x} before CRYPTO")
    offset, length = buf.pull_uint_var(), buf.pull_uint_var()
    if offset != 0:
        raise ValueError("the hello does not start in this frame")
    return pull_client_hello(Buffer(data=buf.pull_bytes(length))).server_name


def main() -> None:
    t_start = time.perf_counter()
    flights = first_flights()
    for label, datagrams in flights.items():
        for name, datagram in zip(NAMES, datagrams, strict=True):
            ours, theirs = extract_quic_sni(datagram), aioquic_sni(datagram)
            same_payload = parse_quic_initial(datagram).packets[0].payload == aioquic_decrypt(
                datagram
            )
            if not (ours == theirs == name and same_payload):
                raise SystemExit(f"{label}: censorsim {ours!r}, aioquic {theirs!r}, sent {name!r}")
    print(
        f"datagrams: the first flight of aioquic's client for {len(NAMES)} server names x "
        f"{len(flights)} versions, {len(next(iter(flights.values()))[0])} bytes each"
    )
    print("check: censorsim and aioquic decrypt the same payload and read the sent name")
    print(f"method: {REPS} repetitions of {BATCH} calls; headline = BEST [median]")
    print()
    print(
        f"{'':8} {'extract_quic_sni ops/s':>24} {'aioquic decrypt ops/s':>24} "
        f"{'aioquic to SNI ops/s':>22} {'ratio':>6}   target"
    )
    rows = []
    cpu = CPUShare()
    everything = [d for datagrams in flights.values() for d in datagrams]
    for label, datagrams in (*flights.items(), ("both", everything)):
        ours, ours_median = ops_per_second(extract_quic_sni, datagrams, BATCH, cpu, REPS)
        dec, dec_median = ops_per_second(aioquic_decrypt, datagrams, BATCH, cpu, REPS)
        full, full_median = ops_per_second(aioquic_sni, datagrams, BATCH, cpu, REPS)
        ratio = ours / dec
        ok = ratio >= TARGET_RATIO
        print(
            f"{label:8} {ours:12,.0f} [{ours_median:9,.0f}] {dec:12,.0f} [{dec_median:9,.0f}] "
            f"{full:10,.0f} [{full_median:9,.0f}] {ratio:5.2f}x   >= {TARGET_RATIO}x  "
            f"met: {met(ok)}"
        )
        if label == "both":
            print(
                f"\nper datagram (both versions): extract_quic_sni {1e6 / ours:.1f} us, "
                f"aioquic decrypt {1e6 / dec:.1f} us, aioquic to SNI {1e6 / full:.1f} us"
            )
            rows.append(
                {
                    "name": "QUIC SNI extraction",
                    "figure": (
                        f"{ours:,.0f} ops/s vs aioquic decrypt {dec:,.0f} ops/s "
                        f"({ratio:.2f}x; aioquic to SNI {full:,.0f})"
                    ),
                    "target": f">= {TARGET_RATIO}x aioquic decrypt",
                    "met": ok,
                    "cpu": cpu.share,
                }
            )
    print(cpu.line())
    print(f"\ntotal wall time of this benchmark: {time.perf_counter() - t_start:.1f} s")
    write_summary(rows)


if __name__ == "__main__":
    main()

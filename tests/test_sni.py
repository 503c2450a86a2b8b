"""SNI filtering and the ways around it: TLS record fragmentation against censors that
read one record, Encrypted Client Hello from a DNS HTTPS record, domain fronting, and the
rules that answer them (issue 10's simulator parts over TCP)."""

from __future__ import annotations

import pytest
from helpers import censored

import censorsim as cs
from censorsim import Blocklist

STREAM = "futbol-stream.example"


def _hellos(r) -> list:
    sent = [p.payload for p in r.trace.packets() if p.dport == 443 and p.payload[:1] == b"\x16"]
    return [cs.parse_client_hello(b"".join(sent))] if sent else []


@pytest.mark.parametrize("read_records", ["all", "first"])
def test_a_hello_cut_into_two_records_passes_only_a_censor_that_reads_one(read_records):
    w = censored(cs.ResetOnSNI(Blocklist([STREAM])))
    w.isp.censor.read_records = read_records
    r = w.client("alice", hello_records="sni").fetch(f"https://{STREAM}/")
    expected = None if read_records == "first" else "tls:reset"
    assert r.failure == expected
    first = next(p for p in r.trace.packets() if p.dport == 443 and p.payload).payload
    second_record = 5 + (first[3] << 8 | first[4])
    assert first[0] == 0x16 and first[second_record] == 0x16  # two handshake records
    with pytest.raises(cs.Incomplete):  # the first record alone does not hold the name
        cs.extract_sni(cs.wire.first_record(first))
    assert w.client("bob").fetch(f"https://{STREAM}/").failure == "tls:reset"  # unsplit


def test_segments_and_records_are_two_different_evasions():
    per_segment = censored(cs.ResetOnSNI(Blocklist([STREAM])), reassemble=True)
    per_segment.isp.censor.read_records = "first"
    # a reassembling censor stops a hello split across TCP segments...
    assert per_segment.client("a", split_hello="sni").fetch(f"https://{STREAM}/").failure == (
        "tls:reset"
    )
    # ...but not one split across TLS records, when it reads only the first record
    assert per_segment.client("b", hello_records="sni").fetch(f"https://{STREAM}/").ok


def test_ech_hides_the_name_and_leaves_the_outer_one(world):
    world.isp.censor.add(cs.ResetOnSNI(Blocklist([STREAM])))
    alice = world.client("alice", ech=True)
    r = alice.fetch(f"https://{STREAM}/")
    assert r.ok and r.ech and r.sni == "ech.nimbus.example"
    (hello,) = _hellos(r)
    assert hello.ech and hello.sni == "ech.nimbus.example"
    wire = b"".join(p.payload for p in r.trace.packets(at="movinet"))
    assert STREAM.encode() not in wire  # the real name is nowhere on the wire
    https = alice.resolve(STREAM, "HTTPS")
    assert "ech=" in https.addresses[0].to_text()  # the configuration came from DNS
    assert world.client("bob").fetch(f"https://{STREAM}/").failure == "tls:reset"


def test_censors_answer_ech_by_its_outer_name_or_by_its_presence():
    w = censored(cs.ResetOnSNI(Blocklist(["ech.nimbus.example"])))
    assert w.client("a", ech=True).fetch("https://bakery.example/").failure == "tls:reset"
    assert w.client("b").fetch("https://bakery.example/").ok  # without ECH: untouched
    w = censored(cs.DropOnECH())
    r = w.client("a", ech=True).fetch("https://school.example/")
    assert r.failure == "tls:timeout" and "carries ECH" in r.trace.verdicts()[0].verdict.reason
    w = censored(cs.ResetOnECH(Blocklist(["other-ech.example"])))
    assert w.client("a", ech=True).fetch("https://school.example/").ok  # another outer name
    with pytest.raises(TypeError, match="Blocklist"):
        cs.DropOnECH(["ech.nimbus.example"])


def test_sites_without_an_ech_record_are_fetched_without_ech(world):
    r = world.client("alice", ech=True).fetch("https://blog.example/")
    assert r.ok and not r.ech and r.sni == "blog.example"


def test_domain_fronting_shows_the_front_and_fetches_the_target():
    w = censored(cs.ResetOnSNI(Blocklist([STREAM])), cs.NXDomainOnQName(Blocklist([STREAM])))
    alice = w.client("alice")
    r = alice.fetch(f"https://{STREAM}/", front="bakery.example")
    assert r.ok and "Fútbol Stream" in r.body and r.sni == "bakery.example"
    (hello,) = _hellos(r)
    assert hello.sni == "bakery.example"
    queries = [p.summary() for p in r.trace.packets() if p.proto == "udp" and p.dport == 53]
    assert queries == ["DNS query A bakery.example"]  # the target's name never in clear
    # a CDN that refuses fronting answers 421
    w.cdn.servers[0].allow_fronting = False
    w.cdn.servers[1].allow_fronting = False
    assert alice.fetch(f"https://{STREAM}/", front="bakery.example").status == 421

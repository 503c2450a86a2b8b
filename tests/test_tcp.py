"""TCP: handshake, segmentation, windows, retransmission, FIN and RST, in virtual time."""

from censorsim.censors import Rule, Verdict
from censorsim.web import Site


def test_closed_port_answers_syn_with_reset(world):
    r = world.client("alice").fetch("https://bakery.example:8443/")
    assert r.failure == "tcp:refused"
    (rst,) = [p for p in r.trace.packets() if "R" in p.flags]
    assert rst.src.exploded == "203.0.113.10" and rst.flags == "RA"


def test_large_page_is_segmented_by_mss_and_window(world):
    big = Site("big.example", "Big", "x" * 200_000)
    world.cdn.add_site(big, (2,))
    r = world.client("alice").fetch("https://big.example/")
    assert r.ok and len(r.body) > 200_000
    data = [p for p in r.trace.packets() if p.sport == 443 and p.payload]
    assert max(len(p.payload) for p in data) == 1460
    seqs = [p.seq for p in data]
    assert seqs == sorted(seqs)  # no retransmission, in order
    assert sum(len(p.payload) for p in data) > 200_000


class LoseOnce(Rule):
    """Lose the first server data segment of each flow, once (not a censor: a bad link)."""

    def __init__(self):
        self.lost = set()

    def inspect(self, packet, flow):
        first = packet.proto == "tcp" and id(flow) not in self.lost
        if first and packet.payload and not flow.from_client(packet):
            self.lost.add(id(flow))
            return Verdict("lose", forward=False, reason="link loss")
        return None


def test_lost_segment_is_retransmitted_after_the_rto(world):
    world.isp.censor.add(LoseOnce())
    r = world.client("alice").fetch("https://bakery.example/")
    assert r.ok
    assert 1.0 < r.elapsed < 1.3  # one retransmission timeout
    server_hellos = [p for p in r.trace.packets(at="movinet") if p.sport == 443 and p.payload]
    first, again = server_hellos[0], server_hellos[1]
    assert (first.seq, first.payload) == (again.seq, again.payload)


def test_connections_close_on_both_sides(world):
    alice = world.client("alice")
    r = alice.fetch("https://bakery.example/")
    assert r.ok
    assert alice.host._conns == {}
    assert world.host("nimbus-edge-1")._conns == {}
    fins = [p for p in r.trace.packets() if "F" in p.flags]
    assert len(fins) == 2


def test_sequence_numbers_follow_the_bytes(world):
    r = world.client("alice").fetch("https://bakery.example/")
    sent = [p for p in r.trace.packets() if p.dport == 443]
    syn = sent[0]
    assert syn.flags == "S" and syn.mss == 1460
    expected = (syn.seq + 1) % 2**32
    for p in sent[1:]:
        assert p.seq == expected, p
        expected = (expected + len(p.payload) + ("F" in p.flags)) % 2**32


def test_isns_differ_between_connections_and_seeds():
    import censorsim as cs

    def isns(seed):
        w = cs.worlds.football_night(seed=seed)
        a = w.client("alice")
        return [
            next(p.seq for p in a.fetch(f"https://{s}/").trace.packets() if p.flags == "S")
            for s in ("bakery.example", "news.example")
        ]

    one, two = isns(0), isns(1)
    assert one[0] != one[1]
    assert one != two
    assert isns(0) == one


def test_syn_count_does_not_depend_on_when_the_fetch_starts():
    import censorsim as cs

    counts = set()
    for start in (0, 0.1794, 0.5, 1, 2.3):
        w = cs.worlds.football_night()
        w.isp.censor.add(cs.DropOnIP(cs.Blocklist(["203.0.113.10"])))
        w.advance(start)
        r = w.client("alice").fetch("https://bakery.example/")
        counts.add(sum(1 for p in r.trace.packets() if p.flags == "S"))
        assert r.elapsed == 15.065
    assert counts == {4}  # at 0, 1, 3 and 7 s; the deadline at 15 s wins the tie

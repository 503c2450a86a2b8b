"""TCP: handshake, segmentation, windows, retransmission, FIN and RST, in virtual time."""

from censorsim.censors import Rule, Verdict
from censorsim.protocols.tcp import TCPStack
from censorsim.protocols.web import Site


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

    def inspect(self, observation):
        packet, flow = observation.packet, observation.flow
        first = packet.proto == "tcp" and id(flow) not in self.lost
        if first and packet.payload and not observation.from_client:
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
    assert TCPStack.of(alice.host).connections == {}
    assert TCPStack.of(world.host("nimbus-edge-1")).connections == {}
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


# -- the state machine without any network ---------------------------------------------
def _pair():
    import ipaddress

    from censorsim.protocols.tcp import TCPConnection

    a, b = ipaddress.ip_address("192.0.2.1"), ipaddress.ip_address("192.0.2.2")
    client = TCPConnection(a, 50000, b, 443, isn=1000)
    server = TCPConnection(b, 443, a, 50000, isn=9000)
    return client, server


def _deliver(segments, to, now=0.0):
    out = []
    for s in segments:
        out += to.receive(s, now)
    return out


def test_the_machine_is_driven_by_segments_and_time_alone():
    from censorsim.protocols.tcp import (
        Connected,
        ConnectionClosed,
        DataReceived,
        EndOfStream,
    )

    client, server = _pair()
    syn = client.open(0.0)
    assert [p.flags for p in syn] == ["S"] and client.state == "SYN_SENT"
    synack = server.accept(syn[0], 0.0)
    assert server.state == "SYN_RCVD"
    ack = _deliver(synack, client)
    assert client.state == "ESTABLISHED" and isinstance(client.next_event(), Connected)
    _deliver(ack, server)
    assert server.state == "ESTABLISHED" and isinstance(server.next_event(), Connected)
    data = client.send(b"hello", 0.0)
    _deliver(data, server)
    assert server.events() == [DataReceived(b"hello")]
    fin = client.close(0.0)
    assert client.state == "FIN_WAIT_1"
    _deliver(fin, server)
    assert server.state == "CLOSE_WAIT" and EndOfStream() in server.events()
    acks = server.flush(0.0)
    _deliver(acks, client)
    assert client.state == "FIN_WAIT_2"
    last = server.close(0.0)
    assert server.state == "LAST_ACK"
    final = _deliver(last, client)
    assert client.state == "CLOSED" and ConnectionClosed() in client.events()
    _deliver(final, server)
    assert server.state == "CLOSED" and ConnectionClosed() in server.events()


def test_the_retransmission_timer_doubles_then_gives_up():
    from censorsim.protocols.tcp import MAX_RETRIES, ConnectionFailed

    client, _ = _pair()
    client.open(0.0)
    times = []
    while client.state != "CLOSED":
        due = client.timer()
        times.append(due)
        client.on_timer(due)
    assert times[:4] == [1.0, 3.0, 7.0, 15.0] and len(times) == MAX_RETRIES + 1
    assert client.events() == [ConnectionFailed("timeout")]


def test_states_change_only_through_the_transition_table():
    from censorsim.protocols import tcp

    seen = set()
    client, server = _pair()
    states = lambda: seen.update((client.state, server.state))  # noqa: E731
    states()
    synack = server.accept(client.open(0.0)[0], 0.0)
    states()
    _deliver(server.flush(0) + _deliver(_deliver(synack, client), server), client)
    states()
    assert seen <= {s for pair in tcp.TRANSITIONS for s in pair[:1]} | set(tcp.TRANSITIONS.values())


def test_rfc5961_a_reset_must_carry_the_exact_next_sequence_number():
    client, server = _pair()
    synack = server.accept(client.open(0.0)[0], 0.0)
    _deliver(_deliver(synack, client), server)
    nxt = client.rcv_nxt
    near = synack[0].reply(flags="R", seq=(nxt + 100) % 2**32, ack=0)
    answer = client.receive(near, 0.0)
    assert client.state == "ESTABLISHED"  # in the window but not exact: ignored...
    assert [p.flags for p in answer] == ["A"] and client.challenge_acks == 1  # ...challenged
    far = synack[0].reply(flags="R", seq=(nxt + 100_000) % 2**32, ack=0)
    assert client.receive(far, 0.0) == [] and client.state == "ESTABLISHED"
    exact = synack[0].reply(flags="R", seq=nxt, ack=0)
    client.receive(exact, 0.0)
    assert client.state == "CLOSED" and client.error == "reset"


def test_a_censors_forged_reset_is_exact_so_it_works(world):
    import censorsim as cs

    world.isp.censor.add(cs.ResetOnSNI(cs.Blocklist(["futbol-stream.example"])))
    r = world.client("alice").fetch("https://futbol-stream.example/")
    assert r.failure == "tls:reset"
    forged = next(p for p in r.trace.packets() if "R" in p.flags)
    last_server = max(
        (p for p in r.trace.packets() if p.sport == 443 and "R" not in p.flags),
        key=lambda p: p.seq,
    )
    # exactly the next number alice expects from the server (after its SYN-ACK)
    assert last_server.flags == "SA"
    assert forged.seq == (last_server.seq + 1) % 2**32

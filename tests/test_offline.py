"""The suite runs with the network switched off (tests/offline.sh), and nothing in the
simulator opens a real socket."""

import errno
import os
import socket

import pytest
from helpers import IN_CI


def test_network_is_off_when_the_wrapper_says_so():
    if os.environ.get("CENSORSIM_OFFLINE") != "1":
        if IN_CI:
            pytest.fail("CI must run the tests through tests/offline.sh (network off)")
        pytest.skip("not running under tests/offline.sh")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        code = s.connect_ex(("192.0.2.1", 443))
    assert code in (errno.ENETUNREACH, errno.EHOSTUNREACH), os.strerror(code)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:  # loopback still works
        s.bind(("127.0.0.1", 0))
        s.listen()


def test_simulator_opens_no_internet_sockets(monkeypatch):
    # scapy reads the host's routing table over netlink when imported: a question to the
    # local kernel, not traffic. No IPv4 or IPv6 socket may be opened, ever.
    opened = []
    real = socket.socket

    class Spy(real):
        def __init__(self, family=socket.AF_INET, *args, **kwargs):
            if family in (socket.AF_INET, socket.AF_INET6):
                opened.append((family, args))
            super().__init__(family, *args, **kwargs)

    monkeypatch.setattr(socket, "socket", Spy)
    import censorsim as cs

    w = cs.worlds.football_night()
    w.isp.censor.add(cs.SpoofDNSOnQName(cs.Blocklist(["futbol-stream.example"])))
    alice = w.client("alice", resolver="https://dns.resolver.example/dns-query")
    assert alice.fetch("https://bakery.example/").ok
    w.client("bob").fetch("https://futbol-stream.example/").trace.packets()[0].to_scapy()
    assert opened == []

"""Failures named as OONI names them, servers and rules that real measurements meet, and
bad input that never breaks a world (issue 8)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from helpers import censored

import censorsim as cs
from censorsim import Blocklist
from censorsim.measure import OONI_FAILURES, ooni_failure

STREAM = "futbol-stream.example"


# -- the vocabulary ----------------------------------------------------------------------
def test_every_failure_has_an_ooni_name_and_nothing_else_does():
    assert set(OONI_FAILURES) == set(cs.FAILURES)
    assert all(f.count(":") == 1 for f in cs.FAILURES)
    assert ooni_failure("tls:eof") == "eof_error"
    with pytest.raises(ValueError, match="'tls:certificate'"):
        ooni_failure("tls:certificate")


@pytest.mark.parametrize(
    ("rule", "url", "resolver", "failure"),
    [
        (cs.ResetOnHost(Blocklist([STREAM])), f"http://{STREAM}/", "isp", "http:reset"),
        (cs.DropOnHost(Blocklist([STREAM])), f"http://{STREAM}/", "isp", "http:timeout"),
        (cs.CloseOnHost(Blocklist([STREAM])), f"http://{STREAM}/", "isp", "http:eof"),
        (cs.CloseOnSNI(Blocklist([STREAM])), f"https://{STREAM}/", "isp", "tls:eof"),
        (cs.SpoofNXDomainOnQName(Blocklist([STREAM])), f"https://{STREAM}/", "198.51.100.53",
         "dns:nxdomain"),
        (cs.DropDNSOnQName(Blocklist([STREAM])), f"https://{STREAM}/", "isp", "dns:servfail"),
        (cs.DropDNSOnQName(Blocklist([STREAM])), f"https://{STREAM}/", "198.51.100.53",
         "dns:timeout"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, str) else v,
)  # fmt: skip
def test_new_rules_fail_at_their_stage(rule, url, resolver, failure):
    r = censored(rule).client("alice", resolver=resolver).fetch(url)
    assert r.failure == failure, r.detail
    assert type(rule).__name__ in {e.verdict.rule.split("(")[0] for e in r.trace.verdicts()}


def test_nodata_is_not_nxdomain_and_servfail_is_not_refused(world):
    alice = world.client("alice")
    assert alice.resolve("blog.example", "AAAA").failure == "dns:no-answer"
    r = world.client("vic", ip_version=6).fetch("https://blog.example/")  # IPv4-only site
    assert r.failure == "dns:no-answer" and r.stage == "dns"
    w = censored(cs.RefuseOnQName(Blocklist([STREAM])))
    assert w.client("a").resolve(STREAM).failure == "dns:refused"


def test_the_three_certificate_errors_are_told_apart(world):
    for problem, failure in [
        ("expired", "tls:certificate-expired"),
        ("wrong-name", "tls:certificate-hostname"),
        ("unknown-authority", "tls:certificate-authority"),
    ]:
        world.hosting.add_site(cs.Site(f"{problem}.example", problem, certificate=problem))
        r = world.client(f"c-{problem}").fetch(f"https://{problem}.example/")
        assert r.failure == failure, (problem, r.detail)
        assert world.client(f"h-{problem}").fetch(f"http://{problem}.example/").ok
    with pytest.raises(ValueError, match="certificate="):
        cs.Site("x.example", "x", certificate="revoked")


def test_expiry_is_checked_against_the_worlds_clock():
    early = cs.worlds.football_night(seed=0)
    late = cs.worlds.new_world(epoch=1_720_000_000)  # July 2024, before it expired
    for w in (early,):
        w.hosting.add_site(cs.Site("old.example", "old", certificate="expired"))
    assert early.client("a").fetch("https://old.example/").failure == "tls:certificate-expired"
    isp = cs.worlds.add_isp(late, "isp", ["100.0.0.0/16"], resolver_address="100.0.255.53")
    hosting = cs.worlds.add_hosting(late, "host", ["192.0.2.128/25"])
    hosting.add_site(cs.Site("old.example", "old", certificate="expired"))
    assert late.client("a", isp).fetch("https://old.example/").ok


def test_sites_send_their_own_headers_and_block_pages_their_own(world):
    r = world.client("alice").fetch("https://bakery.example/")
    assert r.headers["server"] == "nimbus" and "x-cache" in r.headers
    w = censored(cs.BlockpageOnHost(Blocklist([STREAM]), status=403, server=None, headers={}))
    page = w.client("alice").fetch(f"http://{STREAM}/")
    assert page.status == 403 and "server" not in page.headers and "x-cache" not in page.headers


def test_a_captcha_wall_answers_the_probe_and_the_control_differently(world):
    world.cdn.add_site(cs.Site("shop.example", "Shop", captcha_for=["198.18.0.0/16"]), (2,))
    probe = world.client("alice").fetch("https://shop.example/")
    control = world.control.fetch("https://shop.example/")
    assert probe.status == 403 and "Just a moment" in probe.body
    assert control.ok and "Shop" in control.body


def test_throttling_by_address_slows_every_site_on_it():
    w = censored(cs.ThrottleOnIP(Blocklist(["203.0.113.10"]), rate=64_000))
    slow = w.client("alice").fetch("https://bakery.example/")
    fast = w.client("bob").fetch("https://news.example/")
    assert slow.ok and fast.ok and slow.elapsed > 3 * fast.elapsed


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "error", "name"),
    [
        (lambda w: w.advance(float("nan")), ValueError, "seconds"),
        (lambda w: w.advance(-1), ValueError, "seconds"),
        (lambda w: w.advance("1"), TypeError, "seconds"),
        (lambda w: cs.Timeouts(connect=float("inf")), ValueError, "connect"),
        (lambda w: cs.Timeouts(dns_attempts=0), ValueError, "dns_attempts"),
        (lambda w: w.client("a").fetch("https://bakery.example:70000/"), ValueError, "port"),
        (lambda w: w.client("a").fetch("https://bakery.example:0/"), ValueError, "port"),
        (lambda w: w.client("a").resolve("bakery.example", wait=float("nan")), ValueError, "wait"),
        (lambda w: cs.ThrottleOnSNI(Blocklist([STREAM]), rate=float("nan")), ValueError, "rate"),
        (lambda w: cs.ThrottleOnIP(Blocklist(["192.0.2.1"]), rate=0), ValueError, "rate"),
        (lambda w: w.client("movinet"), ValueError, "movinet"),
        (lambda w: w.add_network("x", "isp", ["10.0.0.0/8"], latency=float("nan")), ValueError, "latency"),
        (lambda w: cs.World(epoch=2**33), ValueError, "epoch"),
        (lambda w: cs.Packet("192.0.2.1", "192.0.2.2", "tcp", 1, 2, window=70000), ValueError, "window"),
    ],
)  # fmt: skip
def test_bad_numbers_are_refused_where_given_and_the_world_stays_usable(make, error, name):
    w = cs.worlds.football_night()
    with pytest.raises(error, match=name):
        make(w)
    assert w.now == w.now and w.now < 1e9  # finite: no NaN leaked into the clock
    assert w.client("zoe").fetch("https://bakery.example/").ok


def test_dns_servers_answer_or_stay_silent_on_any_question(world):
    import dns.message
    import dns.rdataclass

    alice = world.client("alice")
    with pytest.raises(ValueError, match="not a valid host name"):
        alice.resolve(".")  # a client refuses to ask; servers must survive being asked
    host = alice.host
    for query in [
        dns.message.make_query(".", "A"),
        dns.message.make_query("bakery.example", "A", rdclass=dns.rdataclass.CH),
        dns.message.make_query("bakery.example", "TXT"),
        dns.message.make_query("x" * 63 + ".example", "AAAA"),
    ]:
        for server in ("198.18.255.53", "192.0.2.53", "198.51.100.53"):
            host.send(cs.Packet(host.address, server, "udp", 40000, 53, query.to_wire()))
    world.advance(10)  # nothing raised out of the world
    assert world.client("bob").fetch("https://bakery.example/").ok


def test_odd_answers_become_dns_failures():
    import dns.message
    import dns.rcode
    import dns.rrset

    w = cs.worlds.football_night()
    alice = w.client("alice", resolver="192.0.2.99")  # nobody there: we answer by hand
    w.add_host("liar", "infra", ["192.0.2.40"])

    def answers(make):
        liar = w.host("liar")
        liar.unbind_udp(53)

        def reply(packet):
            query = cs.wire.parse_dns(packet.payload)
            liar.send(packet.reply(payload=cs.wire.dns_to_wire(make(query))))

        liar.bind_udp(53, reply)
        alice.use_resolver("192.0.2.40")
        return alice.fetch("https://bakery.example/")

    def chaos(query):
        import dns.rdata
        import dns.rdataclass
        import dns.rdatatype

        r = dns.message.make_response(query)
        odd = dns.rdata.GenericRdata(dns.rdataclass.CH, dns.rdatatype.A, b"\x00\x12\x34")
        r.answer.append(dns.rrset.from_rdata(query.question[0].name, 60, odd))
        return r

    def formerr(query):
        r = dns.message.make_response(query)
        r.set_rcode(dns.rcode.FORMERR)
        return r

    assert answers(chaos).failure == "dns:no-answer"  # a record of another class is ignored
    assert answers(formerr).failure == "dns:bad-answer"


def test_substring_and_regex_lists_match_the_first_listed_entry_in_every_process():
    script = (
        "import censorsim as cs;"
        "bl = cs.Blocklist(['zz', 'co', 't.co', 'soft', 'micro'], match='substring');"
        "rx = cs.Blocklist(['^never', 'o', 'soft'], match='regex');"
        "print(bl.match('microsoft.com'), rx.match('MicroSoft.com'))"
    )
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
        )
        outputs.add(out.stdout)
    assert outputs == {"co o\n"}  # 'co' listed before 'soft' and 'micro'; 'o' before 'soft'


def test_substring_fragments_may_be_digits_or_internationalised():
    bl = Blocklist(["12.34", "bücher", "t.co"], match="substring")
    assert bl.match("a12.345.example") == "12.34"
    assert bl.match("www.bücher.example") == "xn--bcher-kva"
    assert bl.match("www.xn--bcher-kva.example") == "xn--bcher-kva"
    # Russia's *t.co* of March 2021: reddit.com and microsoft.com contain it too
    assert bl.match("reddit.com") == "t.co" and bl.match("microsoft.com") == "t.co"
    assert bl.match("example.org") is None


def test_a_nested_quantifier_cannot_stall_a_regex_list():
    bl = Blocklist([r"(a+)+$", r"^(x+x+)+y$"], match="regex")
    assert bl.match("a" * 60 + "b.example") is None  # Python's re would take seconds here
    assert bl.match("x" * 60 + ".example") is None
    assert bl.match("AAAA") == "(a+)+$"  # case-insensitive, as every mode


# -- the certificate cache ------------------------------------------------------------------
def test_certificate_files_are_never_kept_in_a_folder_others_can_write(tmp_path):
    script = f"""
import os, tempfile
tempfile.tempdir = {str(tmp_path)!r}
shared = os.path.join(tempfile.tempdir, f"censorsim-tls-{{os.getuid()}}")
os.makedirs(shared)
os.chmod(shared, 0o777)  # as if another user had made it first
from censorsim.protocols import tls
folder = tls._workdir()
print(folder != shared and oct(os.stat(folder).st_mode & 0o777))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0o700"


def test_the_certificate_folder_is_bounded(tmp_path):
    from censorsim.protocols import tls

    for i in range(12):
        path = tmp_path / f"{i:02d}.pem"
        path.write_bytes(b"x")
        os.utime(path, ns=(i * 10**9, i * 10**9))
    tls._prune(tmp_path, keep=5)
    assert sorted(p.name for p in tmp_path.glob("*.pem")) == [f"{i:02d}.pem" for i in range(7, 12)]


def test_a_full_certificate_folder_is_pruned_by_a_quarter_at_once(tmp_path, monkeypatch):
    from censorsim.protocols import tls

    monkeypatch.setattr(tls, "MAX_CERTIFICATE_FILES", 8)
    for i in range(8):
        path = tmp_path / f"{i:02d}.pem"
        path.write_bytes(b"x")
        os.utime(path, ns=(i * 10**9, i * 10**9))
    tls._prune_if_full(tmp_path)  # not over the limit: nothing is read or removed
    assert len(list(tmp_path.glob("*.pem"))) == 8
    tls._write_once(tmp_path / "new.pem", b"y")  # the ninth file: down to six, the newest
    assert sorted(p.name for p in tmp_path.glob("*.pem")) == [
        "03.pem", "04.pem", "05.pem", "06.pem", "07.pem", "new.pem"
    ]  # fmt: skip

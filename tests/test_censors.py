"""Every rule against its real-world behaviour, and the engine's contract."""

import inspect
import re
from pathlib import Path

import pytest
from helpers import censored

import censorsim as cs
from censorsim import Blocklist
from censorsim.censors import CensorEngine, Verdict

STREAM = "futbol-stream.example"
LEGAL_ON_STREAM_ADDRESS = ["bakery.example", "pay.example"]  # share 203.0.113.10


def fetch(world, url, name="alice", **options):
    return world.client(name, **options).fetch(url)


@pytest.mark.parametrize(
    ("rule", "failure"),
    [
        (cs.NXDomainOnQName(Blocklist([STREAM])), "dns:nxdomain"),
        (cs.RefuseOnQName(Blocklist([STREAM])), "dns:refused"),
        (cs.IgnoreOnQName(Blocklist([STREAM])), "dns:timeout"),
        (cs.SinkholeOnQName(Blocklist([STREAM])), "tcp:refused"),  # 127.0.0.1: nothing listens
        (cs.BlockpageOnQName(Blocklist([STREAM])), "tls:certificate-hostname"),
        (cs.SpoofDNSOnQName(Blocklist([STREAM])), "tcp:timeout"),  # 10.10.34.34 routes nowhere
        (cs.DropDNSOnQName(Blocklist([STREAM])), "dns:servfail"),  # the resolver's upstream
        (cs.DropOnIP(Blocklist(["203.0.113.10", "203.0.113.11"])), "tcp:timeout"),
        (cs.ResetOnIP(Blocklist(["203.0.113.10", "203.0.113.11"])), "tcp:refused"),
        (cs.DropOnSNI(Blocklist([STREAM])), "tls:timeout"),
        (cs.ResetOnSNI(Blocklist([STREAM])), "tls:reset"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, str) else v,
)
def test_each_rule_fails_https_at_its_stage(rule, failure):
    r = fetch(censored(rule), f"https://{STREAM}/")
    assert not r.ok
    assert r.failure == failure, r.detail
    assert r.failure in cs.FAILURES


def test_without_rules_every_site_works(world):
    alice = world.client("alice")
    for site in world.sites:
        r = alice.fetch(f"https://{site}/")
        assert r.ok and r.status == 200, (site, r, r.detail)
        assert world.site(site).title.split()[0] in r.body


def test_timeouts_cost_virtual_time_only():
    w = censored(cs.DropOnIP(Blocklist(["203.0.113.10", "203.0.113.11"])))
    r = fetch(w, f"https://{STREAM}/")
    assert r.failure == "tcp:timeout"
    # two addresses, the second tried 250 ms after the first (Happy Eyeballs); each gets
    # the connect timeout, after SYN retransmissions at 1, 2 and 4 s
    assert r.elapsed == pytest.approx(15.315)
    assert [(str(a.address), a.failure) for a in r.attempts] == [
        ("203.0.113.10", "tcp:timeout"),
        ("203.0.113.11", "tcp:timeout"),
    ]
    sends = [e for e in r.trace.at("alice") if e.kind == "send" and e.packet.flags == "S"]
    by_address = {}
    for e in sends:
        by_address.setdefault(str(e.packet.dst), []).append(round(e.time, 3))
    assert by_address == {
        "203.0.113.10": [0.065, 1.065, 3.065, 7.065],
        "203.0.113.11": [0.315, 1.315, 3.315, 7.315],
    }


def test_ip_blocking_takes_down_legal_sites_on_the_shared_address():
    w = censored(cs.DropOnIP(Blocklist(["203.0.113.10", "203.0.113.11"])))
    alice = w.client("alice")
    assert alice.fetch(f"https://{STREAM}/").failure == "tcp:timeout"
    for site in LEGAL_ON_STREAM_ADDRESS + ["school.example"]:
        assert alice.fetch(f"https://{site}/").failure == "tcp:timeout", site
    assert alice.fetch("https://news.example/").ok  # its own edge address
    assert alice.fetch("https://blog.example/").ok  # another network


def test_sni_blocking_spares_the_neighbours():
    w = censored(cs.ResetOnSNI(Blocklist([STREAM])))
    alice = w.client("alice")
    assert alice.fetch(f"https://{STREAM}/").failure == "tls:reset"
    for site in LEGAL_ON_STREAM_ADDRESS:
        assert alice.fetch(f"https://{site}/").ok, site


def test_control_client_is_outside_the_censor():
    w = censored(
        cs.DropOnIP(Blocklist(["203.0.113.0/24"])), cs.NXDomainOnQName(Blocklist([STREAM]))
    )
    assert w.control.fetch(f"https://{STREAM}/").ok
    assert fetch(w, f"https://{STREAM}/").failure == "dns:nxdomain"


def test_split_client_hello_evades_a_per_packet_censor_only():
    rule = cs.ResetOnSNI(Blocklist([STREAM]))
    per_packet = censored(rule, reassemble=False)
    assert fetch(per_packet, f"https://{STREAM}/", split_hello="sni").ok
    assert fetch(per_packet, f"https://{STREAM}/", "bob").failure == "tls:reset"  # not split
    reassembling = censored(cs.ResetOnSNI(Blocklist([STREAM])), reassemble=True)
    r = fetch(reassembling, f"https://{STREAM}/", split_hello="sni")
    assert r.failure == "tls:reset"
    (decision,) = [e for e in r.trace.verdicts() if e.kind == "drop"]
    assert decision.packet.payload and decision.packet.payload[0] != 0x16  # the second half


def test_first_matching_rule_wins_and_order_matters():
    w = censored(cs.DropOnSNI(Blocklist([STREAM])), cs.ResetOnSNI(Blocklist([STREAM])))
    assert fetch(w, f"https://{STREAM}/").failure == "tls:timeout"
    w = censored(cs.ResetOnSNI(Blocklist([STREAM])), cs.DropOnSNI(Blocklist([STREAM])))
    assert fetch(w, f"https://{STREAM}/").failure == "tls:reset"


def test_verdict_is_remembered_per_flow():
    w = censored(cs.DropOnSNI(Blocklist([STREAM])))
    r = fetch(w, f"https://{STREAM}/")
    drops = [e for e in r.trace.verdicts() if e.kind == "drop"]
    assert len(drops) >= 3  # the ClientHello and its retransmissions
    assert not drops[0].verdict.remembered
    assert all(e.verdict.remembered for e in drops[1:])
    assert "flow already condemned" in drops[1].verdict.reason


def test_spoofed_answer_wins_the_race_and_the_real_one_arrives_too():
    w = censored(cs.SpoofDNSOnQName(Blocklist([STREAM]), address="198.18.255.80"))
    alice = w.client("alice", resolver="198.51.100.53")  # a public resolver: crosses the border
    lookup = alice.resolve(STREAM, wait=1.0)
    assert [str(a) for a in lookup.addresses] == ["198.18.255.80"]
    assert lookup.late and [str(a) for a in lookup.late[0]] == ["203.0.113.10", "203.0.113.11"]
    forged = [e for e in lookup.trace.events if e.kind == "inject"]
    assert len(forged) == 1 and forged[0].verdict.action == "spoof"


def test_blockpage_on_host_answers_plain_http_with_451():
    w = censored(cs.BlockpageOnHost(Blocklist([STREAM])))
    r = fetch(w, f"http://{STREAM}/")
    assert r.status == 451 and not r.ok and r.failure is None
    assert "451" in r.body
    assert fetch(w, f"https://{STREAM}/", "bob").ok  # HTTPS hides the Host header


def test_resolver_blockpage_for_http_shows_the_notice():
    w = censored(cs.BlockpageOnQName(Blocklist([STREAM])))
    r = fetch(w, f"http://{STREAM}/")
    assert r.status == 451 and "blocked by movinet" in r.body
    assert str(r.address) == "198.18.255.80"


def test_throttling_slows_without_blocking():
    plain = fetch(cs.worlds.football_night(), f"https://{STREAM}/")
    slow = fetch(censored(cs.ThrottleOnSNI(Blocklist([STREAM]), rate=32_000)), f"https://{STREAM}/")
    assert slow.ok
    assert slow.elapsed > plain.elapsed + 0.3


def test_resolver_rule_ttls_and_sinkhole_addresses():
    w = censored(cs.SinkholeOnQName(Blocklist([STREAM]), address="0.0.0.0", ttl=42))
    lookup = w.client("alice").resolve(STREAM)
    assert [str(a) for a in lookup.addresses] == ["0.0.0.0"] and lookup.ttl == 42


@pytest.mark.parametrize("on_malformed", ["pass", "drop"])
def test_malformed_packets_get_an_explicit_verdict(on_malformed):
    engine = CensorEngine("t", on_malformed=on_malformed)
    engine.add(cs.SpoofDNSOnQName(Blocklist([STREAM])))
    junk = cs.Packet("198.18.0.1", "198.51.100.53", "udp", 5000, 53, b"\x00\x01garbage")
    verdict = engine.inspect(junk, 0.0)
    assert isinstance(verdict, Verdict)
    assert verdict.action == "malformed"
    assert verdict.forward is (on_malformed == "pass")
    assert "could not parse" in verdict.reason


def test_engine_rejects_non_rules_and_bad_settings():
    engine = CensorEngine("t")
    with pytest.raises(TypeError, match="not a censor rule"):
        engine.add("block everything")
    with pytest.raises(ValueError, match="'pass' or 'drop'"):
        engine.on_malformed = "crash"
    with pytest.raises(TypeError, match="Blocklist"):
        cs.ResetOnSNI(["stream.example"])
    with pytest.raises(ValueError, match="no block-page server"):
        engine.add(cs.BlockpageOnQName(Blocklist([STREAM])))
    with pytest.raises(ValueError, match="rate"):
        cs.ThrottleOnSNI(Blocklist([STREAM]), rate=0)


def test_removing_a_rule_unblocks_new_connections():
    rule = cs.ResetOnSNI(Blocklist([STREAM]))
    w = censored(rule)
    alice = w.client("alice")
    assert alice.fetch(f"https://{STREAM}/").failure == "tls:reset"
    w.isp.censor.remove(rule)
    assert alice.fetch(f"https://{STREAM}/").ok


def test_blockpage_on_ip_shows_451_on_http_and_a_certificate_error_on_https():
    both = Blocklist(["203.0.113.10", "203.0.113.11"])
    w = censored(cs.BlockpageOnIP(both))
    alice = w.client("alice")
    r = alice.fetch(f"http://{STREAM}/")
    assert r.status == 451 and r.failure is None and "blocked by movinet" in r.body
    # alice believes she talked to the stream's address: the router rewrote the answers
    answers = [p for p in r.trace.packets() if p.proto == "tcp" and p.dport != 443]
    assert {str(p.src) for p in answers if p.dst in alice.addresses} == {"203.0.113.10"}
    assert "movinet-blockpage" in r.trace.hops
    r = alice.fetch(f"https://{STREAM}/")
    assert r.failure == "tls:certificate-hostname" and "futbol-stream.example" in r.detail
    assert alice.fetch("https://news.example/").ok  # another address
    # a dual-stack client is sent to the block page's IPv6 address
    r = w.client("dana", ip_version="dual").fetch("http://bakery.example/")
    assert r.ok  # bakery's IPv6 address is not listed, and IPv6 goes first
    w6 = censored(cs.BlockpageOnIP(Blocklist(["2001:db8:cd::10"])))
    r = w6.client("dana", ip_version=6).fetch("http://bakery.example/")
    assert r.status == 451


def test_a_rule_given_the_wrong_kind_of_list_raises():
    with pytest.raises(ValueError, match="holds names"):
        cs.DropOnIP(Blocklist(["bakery.example"]))
    with pytest.raises(ValueError, match="holds addresses"):
        cs.ResetOnSNI(Blocklist(["203.0.113.10"]))
    with pytest.raises(ValueError, match="holds addresses"):
        cs.NXDomainOnQName(Blocklist(["203.0.113.0/24"]))
    cs.DropOnIP(Blocklist(["bakery.example", "203.0.113.10"]))  # a mixed court order is fine


# Every rule's own docstring names a real deployment of its mechanism and a source, in a
# paragraph starting "Seen in:", or says plainly that the course documents none.
_YEAR = re.compile(r"\b(19|20)\d\d\b")
_SOURCE = re.compile(
    r"\b[a-z0-9-]+(\.[a-z0-9-]+)+/"  # an address: ooni.org/post/..., github.com/...
    r"|\bRFC \d+|\bet al\b"
    r"|\b(PET|NDSS|IMC|FOCI|USENIX Security|IEEE S&P|CoNEXT|SIGCOMM|WebSci|PAM|ASIA CCS) \d{4}\b"
)


def _seen_in_problem(doc: str | None) -> str | None:
    """What a rule docstring's "Seen in:" paragraph lacks, or None when it is complete."""
    paragraphs = re.split(r"\n\s*\n", inspect.cleandoc(doc or ""))
    paragraph = next((" ".join(p.split()) for p in paragraphs if p.startswith("Seen in:")), None)
    if paragraph is None:
        return 'no paragraph starting "Seen in:"'
    if "no deployment documented" in paragraph:
        return None if "modelled because" in paragraph else "no deployment, and no reason"
    if not _YEAR.search(paragraph):
        return "no year for the deployment"
    if not _SOURCE.search(paragraph):
        return "no source (an address, an RFC, 'et al.', or a venue and year)"
    return None


RULE_NAMES = [name for names in cs.censors.RULES.values() for name in names]


@pytest.mark.parametrize("name", RULE_NAMES)
def test_every_rule_docstring_names_a_deployment_and_its_source(name):
    rule = getattr(cs.censors, name)
    problem = _seen_in_problem(vars(rule).get("__doc__"))  # the class's own, not inherited
    assert problem is None, f"{name}'s docstring: {problem}"


def test_the_readme_names_every_rule():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    paragraph = next(p for p in readme.split("\n\n") if "Censor rules are named" in p)
    assert [name for name in RULE_NAMES if f"`{name}`" not in paragraph] == []


def test_rules_lists_every_rule_class_of_the_censor_modules():
    from censorsim.censors import dns, engine, http, ip, sni

    defined = {
        name
        for module in (dns, ip, sni, http)
        for name, obj in vars(module).items()
        if isinstance(obj, type)
        and issubclass(obj, engine.Rule | engine.ResolverRule)
        and obj.__module__ == module.__name__
        and not name.startswith("_")
    }
    assert defined == set(RULE_NAMES)
    assert len(RULE_NAMES) == len(set(RULE_NAMES)) == 23


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        (None, "Seen in"),
        ("Drop packets.", "Seen in"),
        ("Drop packets.\n\nSeen it in China (ooni.org/post/x, 2020).", "Seen in"),
        ("Drop packets.\n\nSeen in: China, by the Great Firewall (gfw.report/x).", "year"),
        ("Drop packets.\n\nSeen in: China, 2020, by the Great Firewall.", "source"),
        ("Drop packets.\n\nSeen in: China, 2020 (gfw.report).", "source"),
        ("Drop packets.\n\nSeen in: no deployment documented in the course's sources.", "reason"),
    ],
)
def test_the_seen_in_check_rejects_incomplete_paragraphs(doc, problem):
    assert problem in _seen_in_problem(doc)


@pytest.mark.parametrize(
    "doc",
    [
        "Drop.\n\n    Seen in: Iran, 2023 (gitlab.torproject.org/tpo/x).\n",
        "Reset.\n\nSeen in: China, 2006 (Clayton, Murdoch and Watson, PET 2006).",
        "Reset.\n\nSeen in: China, 2019 (Chai et al., a workshop paper).",
        "Close.\n\nSeen in: no deployment documented in the course's sources; modelled\n"
        "because OONI names its signature.",
    ],
)
def test_the_seen_in_check_accepts_a_sourced_or_declared_paragraph(doc):
    assert _seen_in_problem(doc) is None

"""A measurer's view of a world (Probe), worlds as data (recipe), worlds in another process
that a notebook can measure and cannot read (Blackbox), their ground truth, and lab 04's
mystery worlds."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

import censorsim as cs
from censorsim.measure import Blackbox, Capture, Probe, RemoteProbe, blackbox
from censorsim.worlds import mystery, recipe
from censorsim.worlds.mystery import (
    DECOY_KINDS,
    LEGAL_WORDS,
    LOCATED_KINDS,
    MECHANISM_KINDS,
    TARGET_WORDS,
)

STREAM = "futbol-stream.example"
DOH = "https://dns.resolver.example/dns-query"


def small_recipe(*rules, seed=0):
    """A world like football_night's, as a recipe, with ``rules`` (rule steps)."""
    return {
        "seed": seed,
        "steps": [
            {"do": "isp", "name": "movinet", "prefixes": ["198.18.0.0/16"],
             "resolver_address": "198.18.255.53", "blockpage_address": "198.18.255.80",
             "asn": 64500},
            {"do": "cdn", "name": "nimbus", "prefixes": ["203.0.113.0/24"],
             "edge_addresses": [["203.0.113.10"], ["203.0.113.11"]], "asn": 64501},
            {"do": "hosting", "name": "hostco", "prefixes": ["192.0.2.128/25"], "asn": 64502},
            {"do": "resolver", "name": "openresolve", "prefixes": ["198.51.100.0/24"],
             "address": "198.51.100.53", "doh_name": "dns.resolver.example", "asn": 64503},
            {"do": "network", "name": "lab", "kind": "control", "prefixes": ["198.19.0.0/24"],
             "asn": 64504},
            {"do": "control", "name": "control", "network": "lab", "resolver": "198.51.100.53"},
            {"do": "site", "name": STREAM, "title": "Stream", "cdn": "nimbus", "edges": [0]},
            {"do": "site", "name": "bakery.example", "title": "Bakery", "cdn": "nimbus",
             "edges": [0]},
            {"do": "site", "name": "news.example", "title": "News", "cdn": "nimbus",
             "edges": [1]},
            {"do": "site", "name": "blog.example", "title": "Blog", "hosting": "hostco",
             "addresses": ["192.0.2.140"]},
            {"do": "client", "name": "alice", "network": "movinet"},
            *rules,
        ],
    }  # fmt: skip


def rule(name, entries, *, at="movinet", match="exact", **options):
    step = {"do": "rule", "at": at, "rule": name, "entries": entries, "match": match}
    if options:
        step["options"] = options
    return step


@pytest.fixture(scope="module")
def server():
    """One blackbox server for the module (stopped at the end)."""
    yield
    blackbox.stop_server()


# -- Probe: what a measurer sees ---------------------------------------------------------------
def test_a_probe_fetches_as_the_browser_does_and_keeps_only_its_own_packets():
    world = recipe.build(small_recipe(rule("ResetOnSNI", [STREAM])))
    twin = recipe.build(small_recipe(rule("ResetOnSNI", [STREAM])))
    seen = Probe(world, "alice").fetch(f"https://{STREAM}/")
    direct = twin.client("alice").fetch(f"https://{STREAM}/")
    assert (seen.ok, seen.failure, seen.status) == (direct.ok, direct.failure, direct.status)
    assert seen.failure == "tls:reset"
    assert direct.trace.verdicts(), "the simulator's own trace shows the censor"
    assert isinstance(seen.trace, Capture)
    assert {e.hop for e in seen.trace.events} == {"alice"}
    assert all(e.verdict is None and not e.note for e in seen.trace.events)
    assert [p.flags for p in seen.trace.received() if p.proto == "tcp"] == ["SA", "RA"]
    assert seen.trace.packets() == direct.trace.packets()
    assert seen.dns is not None and seen.dns.trace is None


def test_get_asks_one_address_for_a_name_without_dns():
    world = recipe.build(
        small_recipe(rule("DropOnSNI", [STREAM]), rule("BlockpageOnHost", ["blog.example"]))
    )
    probe = Probe(world, "alice")
    edge = "203.0.113.10"
    assert probe.get(edge, STREAM).failure == "tls:timeout"  # the name is the trigger
    assert probe.get(edge, "bakery.example").ok  # the same address with another name
    unknown = probe.get(edge, "www.futbol-stream.example")  # exact list: not blocked
    assert unknown.failure == "tls:certificate-hostname"  # the server answered
    page = probe.get("192.0.2.140", "blog.example", scheme="http")
    assert (page.status, page.failure) == (451, None)
    assert probe.get("192.0.2.140", "blog.example").ok  # https: no Host header to read
    elsewhere = probe.get(edge, "blog.example", scheme="http")  # any server, same Host
    assert elsewhere.status == 451
    assert probe.get(edge, "nobody.example", scheme="http").status == 404
    with pytest.raises(ValueError, match="not an IPv4 or IPv6 address"):
        probe.get("bakery.example", "bakery.example")
    with pytest.raises(ValueError, match="scheme"):
        probe.get(edge, STREAM, scheme="ftp")


def test_options_apply_to_one_measurement_and_are_put_back():
    world = recipe.build(small_recipe(rule("NXDomainOnQName", [STREAM])))
    probe = Probe(world, "alice")
    assert probe.fetch(f"https://{STREAM}/").failure == "dns:nxdomain"
    assert probe.fetch(f"https://{STREAM}/", resolver=DOH).ok
    assert probe.resolver == "isp"
    assert probe.fetch(f"https://{STREAM}/").failure == "dns:nxdomain"
    lookup = probe.resolve(STREAM, resolver="198.51.100.53")
    assert lookup.ok and lookup.server == "198.51.100.53"
    split = recipe.build(small_recipe(rule("ResetOnSNI", [STREAM])))
    probe = Probe(split, "alice")
    assert probe.fetch(f"https://{STREAM}/", split_hello="sni").ok  # a per-packet censor
    assert probe.fetch(f"https://{STREAM}/").failure == "tls:reset"


def test_injection_leaves_a_late_answer_and_the_resolver_lie_does_not():
    spoof = recipe.build(small_recipe(rule("SpoofDNSOnQName", [STREAM])))
    lie = recipe.build(small_recipe(rule("SinkholeOnQName", [STREAM])))
    late = Probe(spoof, "alice").resolve(STREAM, resolver="198.51.100.53", wait=1.0)
    assert [str(a) for a in late.addresses] == ["10.10.34.34"]
    assert late.late and str(late.late[0][0]) == "203.0.113.10"
    honest = Probe(lie, "alice").resolve(STREAM, resolver="198.51.100.53", wait=1.0)
    assert [str(a) for a in honest.addresses] == ["203.0.113.10"] and not honest.late
    assert [str(a) for a in Probe(lie, "alice").resolve(STREAM).addresses] == ["127.0.0.1"]
    received = late.trace.received()
    assert len(received) == 2 and received[0].ident == 0  # the forgery, then the answer


def test_traceroute_and_locate_keep_only_the_probes_packets():
    world = recipe.build(small_recipe(rule("ResetOnSNI", [STREAM])))
    probe = Probe(world, "alice")
    found = probe.locate_censor(f"https://{STREAM}/")
    assert (found.trigger, found.hop, found.after) == ("name", 2, "movinet")
    for trace in (found.control.trace, found.test.trace):
        assert isinstance(trace, Capture) and {e.hop for e in trace} == {"alice"}
    hops = probe.traceroute("203.0.113.10", payload="tls", server_name=STREAM)
    assert hops.blocked_at == 2 and isinstance(hops.trace, Capture)
    measured = probe.web_connectivity(f"https://{STREAM}/")
    assert measured.blocking == "http-failure" and isinstance(measured.trace, Capture)
    assert probe.asn("203.0.113.10") == 64501 and probe.network_of("203.0.113.10") == "nimbus"
    assert probe.asn("10.10.34.34") is None
    assert probe.control.fetch(f"https://{STREAM}/").ok
    assert probe.info() == {"name": "alice", "network": "movinet", "address": "198.18.0.1",
                            "resolver": "isp"}  # fmt: skip


def test_capture_writes_a_pcap(tmp_path):
    world = recipe.build(small_recipe())
    r = Probe(world, "alice").fetch("https://news.example/")
    path = r.trace.to_pcap(tmp_path / "probe.pcap")
    assert path.stat().st_size > 24 + 16 * len(r.trace)
    assert "ClientHello" in r.trace.summary() and "IP TTL" in str(r.trace)


# -- recipes -----------------------------------------------------------------------------------
def test_a_recipe_builds_the_world_it_says():
    world = recipe.build(
        small_recipe(
            rule("DropOnIP", ["203.0.113.11"], at={"line": "alice"}),
            {"do": "gateway", "name": "natgw", "isps": ["movinet"], "prefixes": ["198.19.192.0/24"]},
            rule("ResetOnSNI", ["stream"], at="natgw", match="substring"),
        )
    )  # fmt: skip
    assert world.zone.addresses("bakery.example") == world.zone.addresses(STREAM)
    assert [repr(r) for r in world.isp.censor.rules] == []
    assert len(world.network("natgw").censor.rules) == 1
    alice = world.client("alice")
    assert alice.fetch("https://news.example/").failure == "tcp:timeout"  # on her line
    assert alice.fetch(f"https://{STREAM}/").failure == "tls:reset"  # at the gateway
    assert world.control.fetch(f"https://{STREAM}/").ok
    assert world.cdn.network.name == "nimbus" and world.hosting.network.name == "hostco"


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"do": "teleport"}, "unknown step 'teleport'"),
        ({"do": "site", "name": "x.example", "edgs": [0]}, "unknown keys \\['edgs'\\]"),
        ({"do": "isp", "name": "x"}, "missing \\['prefixes', 'resolver_address'\\]"),
        ({"do": "rule", "at": "movinet", "rule": "Teleport", "entries": ["x"]}, "rule 'Teleport'"),
        ({"do": "rule", "at": "movinet", "rule": "DropOnIP", "entries": ["x"], "match": "fuzzy"},
         "match='fuzzy'"),
        ({"do": "rule", "at": {"line": "bob"}, "rule": "DropOnIP", "entries": ["192.0.2.1"]},
         "no client 'bob'"),
        ({"do": "rule", "at": "nimbus", "rule": "DropOnIP", "entries": ["192.0.2.1"]},
         "has no censor"),
        ({"do": "site", "name": "y.example", "cdn": "nimbus", "edges": [7]}, "edge 7"),
        ({"do": "site", "name": "y.example"}, "say where the site is"),
    ],
)  # fmt: skip
def test_a_bad_recipe_says_which_step_and_why(step, message):
    bad = small_recipe(step)
    number = len(bad["steps"]) - 1
    with pytest.raises(ValueError, match=f"recipe step {number}\\b.*{message}"):
        recipe.build(bad)


def test_a_recipe_is_data_only():
    with pytest.raises(ValueError, match="plain data only"):
        recipe.build({"seed": 0, "steps": [{"do": "zone", "name": "x.example",
                                             "addresses": [object()]}]})  # fmt: skip
    with pytest.raises(ValueError, match="unknown keys"):
        recipe.build({"seed": 0, "steps": [], "code": "print(1)"})


# -- the blackbox ------------------------------------------------------------------------------
def test_a_remote_probe_gives_what_a_local_probe_gives(server):
    rules = [rule("SpoofDNSOnQName", ["bakery.example"]), rule("ResetOnSNI", [STREAM])]
    box = Blackbox.build(small_recipe(*rules))
    remote = box.probe("alice")
    local = Probe(recipe.build(small_recipe(*rules)), "alice")
    calls = [
        ("fetch", (f"https://{STREAM}/",), {}),
        ("fetch", ("https://bakery.example/",), {"resolver": DOH}),
        ("resolve", ("bakery.example",), {"resolver": "198.51.100.53", "wait": 1.0}),
        ("get", ("203.0.113.10", "www.futbol-stream.example"), {}),
        ("traceroute", ("203.0.113.10",), {"payload": "tls", "server_name": STREAM}),
        ("asn", ("203.0.113.10",), {}),
    ]
    for method, args, kwargs in calls:
        mine, theirs = (
            getattr(remote, method)(*args, **kwargs),
            getattr(local, method)(*args, **kwargs),
        )
        if hasattr(mine, "trace"):
            assert mine.trace.packets() == theirs.trace.packets(), method
        assert repr(mine) == repr(theirs), method
    wc = remote.web_connectivity(f"https://{STREAM}/")
    assert wc.summary() == local.web_connectivity(f"https://{STREAM}/").summary()
    assert remote.control.fetch(f"https://{STREAM}/").ok
    assert (remote.network, remote.address, remote.resolver) == ("movinet", "198.18.0.1", "isp")
    box.close()
    with pytest.raises(ValueError, match="closed"):
        remote.fetch(f"https://{STREAM}/")


def test_nothing_of_a_blackbox_world_is_in_this_process(server):
    seen = []
    engine_add = cs.CensorEngine.add

    def spy(self, rule):  # what an answer cell could do to record every rule
        seen.append(rule)
        return engine_add(self, rule)

    cs.CensorEngine.add = spy
    try:
        box = Blackbox.build(small_recipe(rule("DropOnSNI", [STREAM])))
        r = box.probe("alice").fetch(f"https://{STREAM}/")
    finally:
        cs.CensorEngine.add = engine_add
    assert r.failure == "tls:timeout"
    assert seen == [], "the rules were placed in another process"
    probe = box.probe("alice")
    assert not hasattr(probe, "__dict__")
    assert set(RemoteProbe.__slots__) == {"_server", "_world", "_client", "_control", "name"}
    assert isinstance(probe._world, str) and isinstance(probe._server, blackbox._Server)
    assert not any(isinstance(v, cs.World) for v in vars(probe._server).values())
    assert b"censorsim.worlds.world" not in pickle.dumps(r)
    assert b"Verdict" not in pickle.dumps(r)


def test_the_server_refuses_what_is_not_a_measurement(server):
    box = Blackbox.build(small_recipe(), deny=("locate_censor",))
    probe = box.probe("alice")
    with pytest.raises(ValueError, match="not allowed"):
        probe.locate_censor(f"https://{STREAM}/")
    with pytest.raises(TypeError, match="plain values"):
        probe.fetch(object())
    srv = probe._server
    with pytest.raises(ValueError, match="no method '_world'"):
        srv.request({"op": "call", "world": probe._world, "client": "alice",
                     "method": "_world"})  # fmt: skip
    with pytest.raises(ValueError, match="unknown operation"):
        srv.request({"op": "exec", "code": "print(1)"})
    with pytest.raises(ValueError, match="deny"):
        Blackbox.build(small_recipe(), deny=("_world",))
    with pytest.raises(ValueError, match="recipe step"):
        Blackbox.build(small_recipe({"do": "teleport"}))
    with pytest.raises(ValueError, match="clients are"):
        box.probe("mallory")
    assert probe.fetch("https://news.example/").ok  # the server is still there


def test_the_server_runs_isolated_from_the_notebooks_environment(server, monkeypatch, tmp_path):
    fake = tmp_path / "censorsim"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise SystemExit('a fake censorsim')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    blackbox.stop_server()
    box = Blackbox.build(small_recipe(rule("DropOnIP", ["203.0.113.11"])))
    assert box.probe("alice").fetch("https://news.example/").failure == "tcp:timeout"
    blackbox.stop_server()


def test_the_same_recipe_gives_the_same_answers_in_two_processes(server):
    m = mystery(11)
    answers = []
    for _ in range(2):
        blackbox.stop_server()
        box = Blackbox.build(m.recipe)
        probe = box.probe(m.probes[0])
        answers.append([repr(probe.fetch(url)) + str(probe.fetch(url).trace) for url in m.urls[:6]])
    assert answers[0] == answers[1]
    script = (
        "import censorsim as cs\n"
        "m = cs.worlds.mystery(11)\n"
        "box = cs.measure.Blackbox.build(m.recipe)\n"
        "p = box.probe(m.probes[0])\n"
        "print(repr([repr(p.fetch(u)) + str(p.fetch(u).trace) for u in m.urls[:6]]))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == repr(answers[0])


# -- the judge -------------------------------------------------------------------------------
def test_the_judge_names_the_first_rule_that_acted(server):
    gateway = {"do": "gateway", "name": "natgw", "isps": ["movinet"],
               "prefixes": ["198.19.192.0/24"]}  # fmt: skip
    rules = [
        gateway,
        rule("SinkholeOnQName", ["bakery.example"]),
        rule("DropOnIP", ["203.0.113.10"]),  # the stream and the bakery's address
        rule("ResetOnSNI", ["news"], at="natgw", match="substring"),
        rule("SpoofNXDomainOnQName", ["blog.example"], at={"line": "alice"}),
        rule("BlockpageOnHost", ["news.example"], match="suffix"),
    ]
    urls = [f"https://{STREAM}/", "https://bakery.example/", "https://news.example/",
            "http://news.example/", "https://blog.example/", "http://blog.example/"]  # fmt: skip
    _, truths = Blackbox.build(small_recipe(*rules), judge=[("alice", u) for u in urls])
    got = [(t.mechanism, t.rule, t.mode, t.where, t.hop) for t in truths]
    assert got == [
        ("ip-drop", "DropOnIP", "exact", "isp", 2),
        ("dns-resolver", "SinkholeOnQName", "exact", "resolver", None),  # DNS comes first
        ("sni-reset", "ResetOnSNI", "substring", "gateway", 3),
        ("http-blockpage", "BlockpageOnHost", "suffix", "isp", 2),
        ("dns-injection", "SpoofNXDomainOnQName", "exact", "line", 1),
        ("dns-injection", "SpoofNXDomainOnQName", "exact", "line", 1),  # caches emptied
    ]
    _, truths = Blackbox.build(small_recipe(), judge=[("alice", "https://news.example/")])
    assert (truths[0].mechanism, truths[0].ok, truths[0].rule) == ("none", True, None)


# -- mystery worlds --------------------------------------------------------------------------
def test_mystery_words_never_contain_each_other():
    words = TARGET_WORDS + LEGAL_WORDS
    for a in words:
        for b in words:
            assert a == b or a not in b, (a, b)
    infrastructure = ["dns.resolver.example", "th.ooni.example", "www.example.org", "nimbus"]
    assert not any(w in name for w in TARGET_WORDS for name in infrastructure)


def test_a_mystery_is_the_same_for_the_same_seed_and_checks_its_arguments():
    assert mystery(5).recipe == mystery(5).recipe and mystery(5).recipe != mystery(6).recipe
    with pytest.raises(ValueError, match="isps"):
        mystery(1, isps=4)
    with pytest.raises(ValueError, match="resolver_rule"):
        mystery(1, resolver_rule="DropOnIP")
    with pytest.raises(TypeError, match="seed"):
        mystery("7")


@pytest.mark.parametrize("seed", range(6))
def test_one_isp_mystery_has_every_mechanism_decoy_mode_and_place(server, seed):
    m = mystery(seed)
    probe = m.probes[0]
    _, truths = Blackbox.build(m.recipe, judge=[(probe, u) for u in m.urls])
    truth = {t.url: t for t in truths}
    for case in m.cases:
        t = truth[case["url"]]
        if case["role"] in ("target", "bystander"):
            assert t.mechanism == case["kind"], (case, t)
        else:
            assert t.mechanism == "none", (case, t)
        if case["role"] == "decoy":
            assert t.ok == (case["kind"] in ("slow", "regional")), (case, t)
    assert {t.mechanism for t in truths} == {"none", *MECHANISM_KINDS}
    assert {c["kind"] for c in m.cases if c["role"] == "decoy"} == set(DECOY_KINDS)
    named = [t for t in truths if t.mechanism in ("sni-drop", "sni-reset", "http-blockpage")]
    assert {t.mode for t in named} == {"exact", "suffix", "substring"}
    located = [t for t in truths if t.mechanism in LOCATED_KINDS]
    assert {t.where for t in located} == {"line", "isp", "gateway"}
    assert {t.hop for t in located} == {1, 2, 3}


@pytest.mark.parametrize("seed", range(3))
def test_with_three_isps_each_url_is_blocked_where_its_rule_is(server, seed):
    m = mystery(seed, isps=3)
    questions = [(p, u) for p in m.probes for u in m.urls]
    _, truths = Blackbox.build(m.recipe, judge=questions)
    behind_gateway = set(m.probes[:2])
    for t in truths:
        case = next(c for c in m.cases if c["url"] == t.url)
        if case["role"] not in ("target", "bystander"):
            assert t.mechanism == "none", t
            continue
        owner = m.probes[m.isps.index(case["isp"])]
        if t.mechanism != "none":
            assert t.mechanism == case["kind"]
            assert t.client == owner or (t.where == "gateway" and t.client in behind_gateway)
        else:
            assert t.client != owner, t
    assert {t.mechanism for t in truths} == {"none", *MECHANISM_KINDS}

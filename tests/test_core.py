"""The core: a graph of routers and links, TTLs and ICMP, routes, middlebox placement,
traceroute, and determinism across threads, processes and machine clocks."""

from __future__ import annotations

import ast
import ipaddress
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers import censored, require_program

import censorsim as cs
from censorsim import Blocklist
from censorsim.core import Internet
from censorsim.wire import Packet

A = ipaddress.ip_address
STREAM = "futbol-stream.example"
SRC = Path(__file__).resolve().parents[1] / "src" / "censorsim"


# -- routing, TTL, ICMP ----------------------------------------------------------------------
def test_a_packet_whose_ttl_runs_out_gets_icmp_time_exceeded(world):
    alice = world.client("alice")
    probe = Packet(alice.address, A("203.0.113.10"), "udp", 40000, 33434, b"x", ttl=2)
    with _rec(world) as rec:
        alice.host.send(probe)
        world.advance(1)
    kinds = [(e.hop, e.kind) for e in rec.trace.events]
    assert ("movinet", "forward") in kinds and ("transit", "ttl-exceeded") in kinds
    assert ("nimbus", "forward") not in kinds  # it never got further
    icmp = next(e.packet for e in rec.trace.events if e.hop == "alice" and e.kind == "deliver")
    assert icmp.proto == "icmp" and icmp.icmp_kind == "time-exceeded"
    assert world.router_at(icmp.src).name == "transit"
    quoted = icmp.quoted()
    assert (quoted.dst, quoted.dport, quoted.ttl) == (probe.dst, 33434, 1)


def _rec(world):
    from censorsim.observe import Recording

    return Recording(world)


def test_udp_to_a_closed_port_is_answered_with_port_unreachable(world):
    alice = world.client("alice")
    with _rec(world) as rec:
        alice.host.send(Packet(alice.address, A("192.0.2.140"), "udp", 40000, 9, b"?"))
        world.advance(1)
    icmp = next(e.packet for e in rec.trace.events if e.hop == "alice" and e.kind == "deliver")
    assert icmp.icmp_kind == "port-unreachable" and icmp.src == A("192.0.2.140")


def test_routes_take_the_least_latency_then_fewest_hops_then_names():
    net = Internet(seed=1)
    for name, prefix in (("a", "10.1.0.0/16"), ("b", "10.2.0.0/16"), ("c", "10.3.0.0/16")):
        net.add_network(name, "transit", [prefix])
    net.add_network("d", "hosting", ["10.4.0.0/16"])
    net.connect("a", "b", 0.001)
    net.connect("b", "d", 0.001)
    slow = net.connect("a", "c", 0.0005)
    net.connect("c", "d", 0.003)
    net.add_host("h", "a")
    net.add_host("server", "d")
    assert net.path("h", "server") == ["h", "a", "b", "d", "server"]
    slow.latency = 0.0005
    net.disconnect("b", "d")
    assert net.path("h", "server") == ["h", "a", "c", "d", "server"]


def test_an_address_nobody_announces_is_lost_at_the_first_router(world):
    r = (
        censored(cs.SpoofDNSOnQName(Blocklist([STREAM])))
        .client("alice", resolver="198.51.100.53")
        .fetch(f"https://{STREAM}/")
    )
    lost = [e for e in r.trace.events if e.kind == "no-route"]
    assert lost and {e.hop for e in lost} == {"movinet"}
    assert all(str(e.packet.dst) == "10.10.34.34" for e in lost)


def test_bad_topology_input_is_refused_with_the_value_named():
    net = Internet()
    net.add_network("a", "isp", ["10.0.0.0/8"])
    with pytest.raises(ValueError, match="overlaps"):
        net.add_network("b", "isp", ["10.1.0.0/16"])
    with pytest.raises(ValueError, match="nan"):
        net.connect("a", net.add_network("c", "isp", []), float("nan"))
    with pytest.raises(ValueError, match="'moon'"):
        net.add_network("d", "moon")
    with pytest.raises(ValueError, match="outside network"):
        net.add_host("h", "a", ["192.0.2.1"])
    with pytest.raises(TypeError, match="seconds"):
        net.advance("10")
    with pytest.raises(ValueError, match="inf"):
        net.advance(float("inf"))
    assert net.now == 0.0  # nothing half-done: the clock did not move


# -- middleboxes where they sit -------------------------------------------------------------
def test_a_gateway_censor_sees_every_isp_behind_it_and_nobody_else():
    w = cs.worlds.new_world()
    isp1 = cs.worlds.add_isp(w, "isp-one", ["100.0.0.0/16"], resolver_address="100.0.255.53")
    isp2 = cs.worlds.add_isp(w, "isp-two", ["100.1.0.0/16"], resolver_address="100.1.255.53")
    cdn = cs.worlds.add_cdn(w, "cdn", ["203.0.113.0/24"], [["203.0.113.10"]])
    cdn.add_site(cs.Site(STREAM, "Stream"))
    cdn.add_site(cs.Site("bakery.example", "Bakery"))
    gateway = w.add_gateway("national-gw", [isp1, isp2], ["100.255.0.0/16"])
    gateway.censor.add(cs.ResetOnSNI(Blocklist([STREAM])))
    w.add_network("abroad", "control", ["198.19.0.0/24"])
    outside = w.client("outside", "abroad", resolver="100.0.255.53")
    for isp in (isp1, isp2):
        client = w.client(f"user-{isp.name}", isp)
        assert client.fetch(f"https://{STREAM}/").failure == "tls:reset"
        assert client.fetch("https://bakery.example/").ok
        assert w.path(client.host, "cdn-edge-1")[2] == "national-gw"
    assert outside.fetch(f"https://{STREAM}/").ok  # not behind the gateway


def test_traceroute_reaches_the_server_through_every_router(world):
    result = world.client("alice").traceroute("bakery.example")
    assert [(h.kind, h.name) for h in result.hops] == [
        ("time-exceeded", "movinet"),
        ("time-exceeded", "transit"),
        ("time-exceeded", "nimbus"),
        ("answer", "nimbus-edge-1"),
    ]
    assert result.reached and result.blocked_at is None
    assert result.hops[-1].detail == "SYN-ACK"
    assert [h.rtt for h in result.hops] == sorted(h.rtt for h in result.hops)
    assert "traceroute to bakery.example (203.0.113.10)" in result.summary()


@pytest.mark.parametrize("rule", [cs.ResetOnSNI, cs.DropOnSNI])
def test_traceroute_with_a_trigger_locates_a_gateway_censor(rule):
    w = cs.worlds.new_world()
    isp = cs.worlds.add_isp(w, "isp", ["100.0.0.0/16"], resolver_address="100.0.255.53")
    cdn = cs.worlds.add_cdn(w, "cdn", ["203.0.113.0/24"], [["203.0.113.10"]])
    cdn.add_site(cs.Site(STREAM, "Stream"))
    cdn.add_site(cs.Site("bakery.example", "Bakery"))
    gateway = w.add_gateway("national-gw", [isp], ["100.255.0.0/16"])
    gateway.censor.add(rule(Blocklist([STREAM])))
    alice = w.client("alice")
    benign = alice.traceroute("bakery.example", payload="tls")
    assert benign.reached
    assert [h.name for h in benign.hops[:3]] == ["isp", "national-gw", "transit"]
    trigger = alice.traceroute("bakery.example", payload="tls", server_name=STREAM, max_ttl=6)
    assert not trigger.reached
    assert trigger.blocked_at == 3  # TTL 2 still reached the gateway, TTL 3 met the censor
    assert trigger.last_router.name == "national-gw"
    expected = "reset" if rule is cs.ResetOnSNI else "none"
    assert trigger.hops[2].kind == expected


def test_traceroute_locates_a_censor_on_the_access_link(world):
    engine = cs.CensorEngine("cpe-filter")
    engine.add(cs.ResetOnSNI(Blocklist([STREAM])))
    alice = world.client("alice")
    world.place_censor(engine, client="alice")
    r = alice.fetch(f"https://{STREAM}/")
    assert r.failure == "tls:reset"
    assert world.client("bob").fetch(f"https://{STREAM}/").ok  # only alice's link
    trigger = alice.traceroute("bakery.example", payload="tls", server_name=STREAM, max_ttl=5)
    assert trigger.blocked_at == 1 and trigger.last_router is None
    # the ISP-border censor, for comparison: one hop further, after movinet
    border = censored(cs.ResetOnSNI(Blocklist([STREAM]))).client("carol")
    result = border.traceroute("bakery.example", payload="tls", server_name=STREAM, max_ttl=5)
    assert result.blocked_at == 2 and result.last_router.name == "movinet"


def test_traceroute_bad_input():
    alice = cs.worlds.football_night().client("alice")
    for kwargs, match in [
        ({"proto": "icmp"}, "proto"),
        ({"max_ttl": 0}, "max_ttl"),
        ({"timeout": float("nan")}, "timeout"),
        ({"payload": "quic"}, "payload"),
        ({"port": 0}, "port"),
    ]:
        with pytest.raises(ValueError, match=match):
            alice.traceroute("bakery.example", **kwargs)
    result = alice.traceroute("no-such.example")
    assert not result.hops and "cannot resolve" in result.note


# -- determinism ---------------------------------------------------------------------------
def _pcap_bytes(seed: int, tmp: Path, tag: str) -> bytes:
    w = cs.worlds.football_night(seed=seed)
    w.isp.censor.add(cs.ResetOnSNI(Blocklist([STREAM])))
    alice = w.client("alice", ip_version="dual")
    out = b""
    for url in ("https://bakery.example/", f"https://{STREAM}/", "http://news.example/"):
        path = alice.fetch(url).trace.to_pcap(tmp / f"{tag}-{abs(hash(url))}.pcap")
        out += path.read_bytes()
    return out


def test_two_threads_give_the_same_pcaps_as_one_after_the_other(tmp_path):
    sequential = [_pcap_bytes(seed, tmp_path, f"s{seed}") for seed in (3, 4)]
    results: dict[int, bytes] = {}
    errors: list[BaseException] = []

    def run(seed: int) -> None:
        try:
            for _ in range(3):
                results[seed] = _pcap_bytes(seed, tmp_path, f"t{seed}-{threading.get_ident()}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(seed,)) for seed in (3, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert [results[3], results[4]] == sequential
    assert sequential[0] != sequential[1]


_FAKETIME_SCRIPT = """
import censorsim as cs
w = cs.worlds.football_night(seed=5)
alice = w.client("alice")
for url in ("https://bakery.example/", "https://news.example/"):
    r = alice.fetch(url)
    print(r.ok, r.failure, r.status, r.tls_version, len(r.trace))
print(cs.protocols.tls.VIRTUAL_TIME)
"""


@pytest.mark.parametrize("fake", ["2023-01-01 12:00:00", "2099-06-01 00:00:00"])
def test_the_machine_clock_never_changes_a_result(fake):
    faketime = require_program("faketime")
    honest = subprocess.run(
        [sys.executable, "-c", _FAKETIME_SCRIPT], capture_output=True, text=True, check=True
    )
    faked = subprocess.run(
        [faketime, fake, sys.executable, "-c", _FAKETIME_SCRIPT],
        capture_output=True,
        text=True,
        check=True,
    )
    assert honest.stdout.splitlines()[-1] == "True"  # verification uses virtual time
    assert faked.stdout == honest.stdout
    assert "True None 200 TLSv1.3" in faked.stdout


# -- the import graph --------------------------------------------------------------------------
def _imports(path: Path, module: str) -> set[str]:
    """Every censorsim module ``path`` imports, anywhere in it (TYPE_CHECKING included)."""
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("censorsim")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            if base.startswith("censorsim"):
                found.add(base)
                for alias in node.names:
                    found.add(f"{base}.{alias.name}")
    return found


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def test_the_import_graph_of_the_package_has_no_cycle():
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        deps = {d for d in _imports(path, name) if d in modules and d != name}
        graph[name] = deps
    # a package's __init__ re-exports its children: the edge child -> package is the cycle
    # to look for, so drop the package -> own-child edges that __init__ files make
    for name in graph:
        graph[name] = {d for d in graph[name] if not d.startswith(name + ".")}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, stack: list[str]) -> bool:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycle.extend([*stack[stack.index(dep) :], dep] if dep in stack else [node, dep])
                return True
            if state.get(dep) is None and visit(dep, [*stack, dep]):
                return True
        state[node] = 2
        return False

    for node in sorted(graph):
        if state.get(node) is None and visit(node, [node]):
            break
    assert not cycle, " -> ".join(cycle)


LAYERS = [
    {"censorsim.names", "censorsim.wire", "censorsim.blocklist", "censorsim._scapy"},
    {"censorsim.core"},
    {"censorsim.observe"},
    {"censorsim.protocols"},
    {"censorsim.censors"},
    {"censorsim.client"},
    {"censorsim.worlds"},
    {"censorsim.measure", "censorsim.grading"},
]


def _layer(module: str) -> int:
    for i, layer in enumerate(LAYERS):
        if any(module == top or module.startswith(top + ".") for top in layer):
            return i
    raise AssertionError(f"{module} is in no layer of src/censorsim/README.md")


def test_each_layer_imports_only_layers_below_it():
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        if name == "censorsim":
            continue
        mine = _layer(name)
        for dep in _imports(path, name):
            if dep not in modules or dep == "censorsim":
                continue
            theirs = _layer(dep)
            if theirs > mine:
                wrong.append(f"{name} (layer {mine}) imports {dep} (layer {theirs})")
    assert not wrong, "\n".join(wrong)


def test_waits_end_even_when_a_deadline_falls_between_nanoseconds():
    # a regression: a traceroute whose probes all go unanswered used to freeze the clock,
    # its remaining wait (deadline - now) a sliver no nanosecond-grid timer could cover
    w = cs.worlds.football_night()
    engine = cs.CensorEngine("line")
    engine.add(cs.DropOnIP(Blocklist(["203.0.113.10", "203.0.113.11"])))
    alice = w.client("alice")
    w.place_censor(engine, client="alice")
    result = alice.traceroute("futbol-stream.example", max_ttl=4, timeout=1.7)
    assert [h.kind for h in result.hops] == ["none"] * 4 and result.blocked_at == 1
    assert w.loop.deadline(0.1 + 0.2) - w.loop.deadline(0.3) == 0.0

"""The core's costs: building a world, a censor engine with many live flows, and block lists
that match by substring and by regular expression.

What it measures
----------------
* world build: ``censorsim.worlds.football_night(seed)`` (networks, routers, links, hosts,
  DNS, web servers; certificates are made lazily, at the first TLS connection), ms each;
* flows: the cost per packet of ``CensorEngine.inspect`` with a ResetOnSNI rule when the
  engine already tracks 1,000 live flows, and when it tracks 100,000 (each flow: a SYN,
  then a data segment; all flows stay live, none expires). A flow table that grows in
  cost with its size would show here; the target is the same cost per flow (within 25%);
* a substring list of 1,000,000 fragments: build time and lookups per second
  (Aho-Corasick through pyahocorasick; target at least 100,000 lookups/s), half of the
  names containing a listed fragment;
* a regex list with nested quantifiers (``(a+)+$``, ``^(x+x+)+y$``) on 60-character
  names that make a backtracking engine explode: ms per lookup (RE2; target under 1 ms),
  with Python's ``re`` on a 26-character name for comparison (it doubles with each
  character).

``time.perf_counter``, best of REPS repetitions after a warm-up, medians in brackets.
Nothing is asserted. Run: ``.venv/bin/python benchmarks/bench_core.py`` (about 40 s).
"""

from __future__ import annotations

import ipaddress
import random
import re
import time

from _common import CPUShare, median, met, write_summary

import censorsim as cs
from censorsim import Blocklist
from censorsim.censors import CensorEngine
from censorsim.protocols.tls import CertificateAuthority, TLSClientSession

REPS = 5
TARGET_BUILD_MS = 2.0
TARGET_FLOW_RATIO = 1.25
TARGET_SUBSTRING = 100_000
TARGET_REGEX_MS = 1.0


def best(fn, reps=REPS) -> tuple[float, float]:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), median(times)


def bench_world(cpu: CPUShare) -> dict:
    cs.worlds.football_night(seed=0)  # warm-up: imports, caches
    n = 50
    with cpu:
        low, mid = best(lambda: [cs.worlds.football_night(seed=i) for i in range(n)])
    ms, ms_median = low / n * 1000, mid / n * 1000
    ok = ms < TARGET_BUILD_MS
    print(f"world build: football_night() {ms:.3f} ms [{ms_median:.3f}]   target < "
          f"{TARGET_BUILD_MS} ms  met: {met(ok)}")  # fmt: skip
    return {"name": "world build (football_night)", "figure": f"{ms:.2f} ms",
            "target": f"< {TARGET_BUILD_MS:g} ms", "met": ok, "cpu": cpu.share}  # fmt: skip


def _flow_packets(n: int, hello: bytes) -> list[tuple[cs.Packet, cs.Packet]]:
    server = ipaddress.ip_address("203.0.113.10")
    base = int(ipaddress.ip_address("10.0.0.0"))
    out = []
    for i in range(n):
        client = ipaddress.ip_address(base + i // 50_000 * 65536 + (i % 50_000) + 1)
        port = 40000 + i % 20000
        syn = cs.Packet(client, server, "tcp", port, 443, b"", "S", 1000, 0)
        data = cs.Packet(client, server, "tcp", port, 443, hello, "PA", 1001, 1)
        out.append((syn, data))
    return out


def bench_flows(cpu: CPUShare) -> dict:
    ca = CertificateAuthority(0)
    hello = TLSClientSession(ca.client_context(), "bakery.example", random.Random(1)).start()
    rule = cs.ResetOnSNI(Blocklist(["futbol-stream.example"]))
    results = {}
    for n in (1_000, 100_000):
        packets = _flow_packets(n + 2_000, hello)
        engine = CensorEngine("bench")
        engine.add(rule)
        for syn, data in packets[:n]:  # n live flows
            engine.inspect(syn, 0.0)
            engine.inspect(data, 0.0)
        probe = packets[n:]

        def run(probe=probe, engine=engine):
            for syn, data in probe:
                engine.inspect(syn, 1.0)
                engine.inspect(data, 1.0)
            for syn, _ in probe:  # forget the probes again, so every repetition is alike
                engine.flows.pop(engine.flow_key(syn), None)

        with cpu:
            low, mid = best(run)
        results[n] = (low / len(probe) * 1e6, mid / len(probe) * 1e6, len(engine.flows))
    small, large = results[1_000][0], results[100_000][0]
    ratio = large / small
    ok = ratio <= TARGET_FLOW_RATIO
    for us, us_median, live in results.values():
        print(f"engine with {live:>7,} live flows: {us:.2f} µs per new flow (SYN + hello) "
              f"[{us_median:.2f}]")  # fmt: skip
    print(f"  cost at 100,000 / cost at 1,000 = {ratio:.2f}   target <= {TARGET_FLOW_RATIO}"
          f"  met: {met(ok)}")  # fmt: skip
    return {"name": "censor engine, 100k vs 1k live flows", "figure": f"x{ratio:.2f} per flow",
            "target": f"<= x{TARGET_FLOW_RATIO}", "met": ok, "cpu": cpu.share}  # fmt: skip


def bench_substring(cpu: CPUShare) -> dict:
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz0123456789"
    fragments = list(
        {"".join(rng.choices(letters, k=rng.randint(6, 12))) for _ in range(1_050_000)}
    )
    fragments = fragments[:1_000_000]
    t0 = time.perf_counter()
    bl = Blocklist(fragments, match="substring")
    bl.match("warm.example")  # the automaton is built at the first lookup
    build = time.perf_counter() - t0
    names = []
    for i in range(20_000):
        inner = rng.choice(fragments) if i % 2 else "".join(rng.choices("xyz", k=8))
        names.append(f"www.{inner}-shop.example")
    hits = sum(1 for n in names if bl.match(n) is not None)
    with cpu:
        low, mid = best(lambda: [bl.match(n) for n in names])
    rate, rate_median = len(names) / low, len(names) / mid
    ok = rate >= TARGET_SUBSTRING
    print(f"substring list of {len(fragments):,} fragments: built (with the automaton) in "
          f"{build:.2f} s; {rate:,.0f} lookups/s [{rate_median:,.0f}] ({hits} of "
          f"{len(names)} names hit)   target >= {TARGET_SUBSTRING:,}  met: {met(ok)}")  # fmt: skip
    return {"name": "substring list, 1M fragments", "figure": f"{rate / 1000:.0f}k lookups/s",
            "target": f">= {TARGET_SUBSTRING // 1000}k/s", "met": ok, "cpu": cpu.share}  # fmt: skip


def bench_regex(cpu: CPUShare) -> dict:
    bl = Blocklist([r"(a+)+$", r"^(x+x+)+y$", r"stream[0-9]+\.example$"], match="regex")
    names = ["a" * 60 + "b", "x" * 60, "a" * 30 + "-" + "x" * 29]
    with cpu:
        low, mid = best(lambda: [bl.match(n) for n in names * 100])
    ms, ms_median = low / (len(names) * 100) * 1000, mid / (len(names) * 100) * 1000
    t0 = time.perf_counter()
    re.search(r"^(x+x+)+y$", "x" * 26)
    backtracking = (time.perf_counter() - t0) * 1000
    ok = ms < TARGET_REGEX_MS
    print(
        f"regex list with nested quantifiers, 60-character names: {ms * 1000:.1f} µs per "
        f"lookup [{ms_median * 1000:.1f}]   target < {TARGET_REGEX_MS:g} ms  met: {met(ok)}"
    )
    print(f"  (Python's backtracking re on a 26-character name: {backtracking:.0f} ms)")
    return {"name": "regex list, nested quantifier, 60 chars", "figure": f"{ms * 1000:.1f} µs",
            "target": f"< {TARGET_REGEX_MS:g} ms", "met": ok, "cpu": cpu.share}  # fmt: skip


def main() -> None:
    t0 = time.perf_counter()
    cpu = CPUShare()
    rows = [bench_world(cpu), bench_flows(cpu), bench_substring(cpu), bench_regex(cpu)]
    print(cpu.line())
    print(f"\ntotal wall time of this benchmark: {time.perf_counter() - t0:.1f} s")
    write_summary(rows)


if __name__ == "__main__":
    main()

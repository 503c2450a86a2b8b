"""A block list of 1,000,000 names matched by suffix: build time, lookups per second, memory.

What it measures
----------------
``censorsim.Blocklist(names, match="suffix")`` with 1,000,000 distinct host names, the
size of a national block list. The names are generated deterministically (seeded
``random``): pronounceable labels with an occasional digit or hyphen, under one of a
dozen top-level domains, a fifth of them with a subdomain (``www.``, ``cdn.``, ...).

* build: seconds for ``Blocklist(names, match="suffix")`` (the names already exist);
* lookups: ``bl.matches(name)`` per second on a fixed mix, a third of each: names under a
  listed name (``www.`` / ``a.b.`` + listed: a suffix hit after one or two parent
  checks), listed names exactly, and misses (generated names of one to four labels that
  are neither listed nor under a listed name, so every parent is checked); the expected
  answer of every lookup is checked once, outside the timing;
* memory: the build's peak of traced Python allocations (``tracemalloc``, a second build
  with tracing on, since tracing slows the build down) and what stays allocated after it,
  and the growth of the resident set (VmRSS from /proc/self/status) over the first,
  untraced build. The input list of names is counted separately.

How
---
``time.perf_counter``; the build once (it is a few seconds and allocates much, so
repetitions would measure the allocator's reuse); lookups after a warm-up in REPS
repetitions of the whole mix, headline = BEST repetition (the least disturbed by other
work on the machine), the median in brackets. Targets printed, not
asserted: build under 3 s, at least 300,000 lookups/s, under 300 MB (the larger of the
tracemalloc peak and the RSS growth).

Run: ``.venv/bin/python benchmarks/bench_blocklist.py`` (about 20 s).
"""

from __future__ import annotations

import gc
import random
import sys
import time
import tracemalloc

from _common import CPUShare, median, met, peak_rss_mb, rss_mb, write_summary

from censorsim import Blocklist

SIZE = 1_000_000
LOOKUPS_PER_KIND = 50_000
REPS = 5
KIND_REPS = 3
TARGET_BUILD_S = 3.0
TARGET_LOOKUPS = 300_000
TARGET_MB = 300.0
MB = 1024 * 1024

TLDS = ("com", "net", "org", "ru", "de", "es", "it", "tv", "io", "info", "xyz", "example")
SUBDOMAINS = ("www", "m", "cdn", "live", "stream", "mirror", "tv", "api", "static", "en")
ONSET = "b c d f g h j k l m n p r s t v w z br tr st ch sh pl gr kr".split()
NUCLEUS = "a e i o u a e i o ai ou ea".split()


SYLLABLES = [o + n for o in ONSET for n in NUCLEUS]


def label(rng: random.Random) -> str:
    r = rng.random()
    text = "".join(rng.choices(SYLLABLES, k=2 + int(r * 3)))  # 2 to 4 syllables
    r = r * 3 % 1  # the rest of the same random number: 25% digits, 10% a hyphenated part
    if r < 0.25:
        text += str(int(r * 3996))
    elif r < 0.35:
        text += "-" + "".join(rng.choices(SYLLABLES, k=2))
    return text


def generate(n: int, rng: random.Random) -> list[str]:
    """``n`` distinct names in a deterministic order (a fifth with a subdomain)."""
    seen: set[str] = set()
    out: list[str] = []
    tlds, subs = TLDS, SUBDOMAINS
    while len(out) < n:
        r = rng.random()
        name = f"{label(rng)}.{tlds[int(r * len(tlds))]}"
        if r * len(tlds) % 1 < 0.2:
            name = f"{subs[int(r * 1000) % len(subs)]}.{name}"
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def listed_under(name: str, listed: set[str]) -> bool:
    """The suffix rule, written independently: ``name`` or one of its parents is listed."""
    labels = name.split(".")
    return any(".".join(labels[i:]) in listed for i in range(len(labels)))


def lookup_mix(names: list[str], rng: random.Random) -> dict[str, list[str]]:
    """A third of each kind of lookup: listed exactly, under a listed name, misses."""
    listed = set(names)
    exact = rng.sample(names, LOOKUPS_PER_KIND)
    under = [
        (f"www.{n}" if rng.random() < 0.5 else f"{label(rng)}.img.{n}")
        for n in rng.sample(names, LOOKUPS_PER_KIND)
    ]
    misses: list[str] = []
    while len(misses) < LOOKUPS_PER_KIND:
        name = f"{label(rng)}.{rng.choice(TLDS)}"
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            name = f"{rng.choice(SUBDOMAINS)}.{name}"
        if not listed_under(name, listed):
            misses.append(name)
    return {"listed exactly": exact, "under a listed name": under, "misses": misses}


def run_lookups(bl: Blocklist, mix: list[str]) -> int:
    matches = bl.matches
    hits = 0
    for name in mix:
        if matches(name):
            hits += 1
    return hits


def main() -> None:
    t_start = time.perf_counter()
    rng = random.Random(2025)
    names = generate(SIZE, rng)
    names_mb = (sys.getsizeof(names) + sum(map(sys.getsizeof, names))) / MB
    kinds = lookup_mix(names, rng)
    mix = [n for sample in kinds.values() for n in sample]
    rng.shuffle(mix)
    listed = set(names)
    expected = [listed_under(n, listed) for n in mix]
    del listed
    gen_s = time.perf_counter() - t_start
    gc.collect()

    # build, untraced: time and resident-set growth
    cpu = CPUShare()
    rss_before = rss_mb()
    with cpu:
        t0 = time.perf_counter()
        bl = Blocklist(names, match="suffix")
        build_s = time.perf_counter() - t0
    rss_delta = rss_mb() - rss_before

    # lookups: check every answer once, then time
    answers = [bl.matches(n) for n in mix]
    wrong = sum(1 for a, e in zip(answers, expected, strict=True) if a != e)
    if wrong:
        raise SystemExit(f"{wrong} of {len(mix)} lookups gave the wrong answer")
    run_lookups(bl, mix[: len(mix) // 10])  # warm-up
    times, rates = [], {}
    for _ in range(REPS):
        gc.collect()
        with cpu:
            t0 = time.perf_counter()
            run_lookups(bl, mix)
            times.append(time.perf_counter() - t0)
    lookups = len(mix) / min(times)
    lookups_median = len(mix) / median(times)
    for kind, sample in kinds.items():
        kind_times = []
        for _ in range(KIND_REPS):
            with cpu:
                t0 = time.perf_counter()
                run_lookups(bl, sample)
                kind_times.append(time.perf_counter() - t0)
        rates[kind] = (len(sample), len(sample) / min(kind_times), len(sample) / median(kind_times))

    # build again with tracemalloc on: peak and retained allocations
    del bl, answers
    gc.collect()
    tracemalloc.start()
    Blocklist(names[:1000], match="suffix")  # let one-off imports and caches settle
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    bl = Blocklist(names, match="suffix")
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_mb, kept_mb = (peak - base) / MB, (current - base) / MB

    print(f"block list: {len(bl):,} distinct names, match='suffix' (seeded random, seed 2025)")
    print(f"examples: {', '.join(names[:4])}")
    print(f"input names: {names_mb:.0f} MB of Python objects (not counted below)")
    print(f"generating names and the lookup mix took {gen_s:.1f} s (not counted)")
    print()
    print(
        f"build time                  {build_s:9.2f} s      target < {TARGET_BUILD_S:.0f} s"
        f"             met: {met(build_s < TARGET_BUILD_S)}"
    )
    ok_lookups = lookups >= TARGET_LOOKUPS
    print(
        f"lookups (mix of {len(mix):,})    {lookups:9,.0f} /s [median {lookups_median:,.0f}]  "
        f"target >= {TARGET_LOOKUPS:,}/s  met: {met(ok_lookups)}"
    )
    for kind, (count, rate, rate_median) in rates.items():
        print(f"  {kind:25} {rate:9,.0f} /s [median {rate_median:,.0f}]  ({count:,} names alone)")
    memory = max(peak_mb, rss_delta)
    ok_memory = memory < TARGET_MB
    print(
        f"memory: tracemalloc peak    {peak_mb:9.0f} MB     target < {TARGET_MB:.0f} MB "
        f"(larger of peak and RSS growth) met: {met(ok_memory)}"
    )
    print(f"        retained after build {kept_mb:8.0f} MB (tracemalloc)")
    print(f"        RSS growth in build  {rss_delta:8.0f} MB (VmRSS, untraced build)")
    print(f"        process peak RSS     {peak_rss_mb():8.0f} MB (ru_maxrss, includes the input)")
    print(cpu.line())
    print(f"\ntotal wall time of this benchmark: {time.perf_counter() - t_start:.1f} s")
    write_summary(
        [
            {
                "name": "block list build (1M suffix)",
                "figure": f"{build_s:.2f} s",
                "target": f"< {TARGET_BUILD_S:.0f} s",
                "met": build_s < TARGET_BUILD_S,
                "cpu": cpu.share,
            },
            {
                "name": "block list lookups",
                "figure": f"{lookups:,.0f} lookups/s",
                "target": f">= {TARGET_LOOKUPS:,}/s",
                "met": ok_lookups,
                "cpu": cpu.share,
            },
            {
                "name": "block list memory",
                "figure": f"{peak_mb:.0f} MB peak, {rss_delta:.0f} MB RSS growth",
                "target": f"< {TARGET_MB:.0f} MB",
                "met": ok_memory,
                "cpu": None,  # memory does not depend on the machine's load
            },
        ]
    )


if __name__ == "__main__":
    main()

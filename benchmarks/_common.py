"""Helpers shared by the benchmark scripts: timing repetitions, memory, the summary file.

Nothing here asserts on time: the benchmarks print figures and targets, and a missed
target is reported, never raised.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path


def repeat(fn: Callable[[], object], reps: int) -> list[float]:
    """Run ``fn`` ``reps`` times; return the wall-clock seconds of each run (perf_counter)."""
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def median(values: list[float]) -> float:
    return statistics.median(values)


def rss_mb() -> float:
    """The process's resident set size now, in MiB (VmRSS from /proc; 0.0 where absent)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def peak_rss_mb() -> float:
    """The process's peak resident set size so far, in MiB (ru_maxrss; Linux reports KiB)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def met(ok: bool) -> str:
    return "yes" if ok else "NO"


def summary_path() -> Path | None:
    """The path given as ``--json PATH`` (run_all.py asks for the key figures there)."""
    args = sys.argv[1:]
    if "--json" in args:
        i = args.index("--json")
        if i + 1 < len(args):
            return Path(args[i + 1])
    return None


def write_summary(rows: list[dict]) -> None:
    """Write the key figures (``name``, ``figure``, ``target``, ``met``) for run_all.py."""
    path = summary_path()
    if path is not None:
        path.write_text(json.dumps(rows, indent=1))

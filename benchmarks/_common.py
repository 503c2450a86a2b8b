"""Helpers shared by the benchmark scripts: medians, memory figures, the summary file.

Nothing here asserts on time: the benchmarks print figures and targets, and a missed
target is reported, never raised.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path


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
    """Write the key figures for run_all.py: each row has ``name``, ``figure``, ``target``,
    ``met`` and ``cpu`` (the CPU share while timing, see :class:`CPUShare`)."""
    for row in rows:
        share = row.get("cpu")
        if share is not None and not isinstance(share, float | int):
            raise TypeError(f"{row.get('name')!r}: cpu={share!r}, expected a fraction or None")
        if isinstance(row.get("met"), str):
            raise TypeError(f"{row.get('name')!r}: met={row.get('met')!r}, expected a bool or None")
        if row.get("met") is not None:
            row["met"] = bool(row["met"])  # numpy's bool_ too
    path = summary_path()
    if path is not None:
        path.write_text(json.dumps(rows, indent=1))


class CPUShare:
    """How much of the wall-clock time this process was running on a CPU.

    Use as a context manager around the timed work (it accumulates over several uses).
    ``process_time / perf_counter`` well below 1 means other work on the machine took
    the CPU away, and the wall-clock figures came out slower than the code is.
    """

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def __enter__(self) -> CPUShare:
        self._wall0 = time.perf_counter()
        self._cpu0 = time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall += time.perf_counter() - self._wall0
        self.cpu += time.process_time() - self._cpu0

    @property
    def share(self) -> float:
        return self.cpu / self.wall if self.wall else 0.0

    def line(self) -> str:
        return (
            f"CPU share while timing: {self.share:.0%} (process CPU time / wall time; well "
            "below 100% means other work on the machine slowed these figures)"
        )


def ops_per_second(
    fn: Callable, inputs: Sequence, n: int, cpu: CPUShare, reps: int
) -> tuple[float, float]:
    """(best, median) calls per second of ``fn`` over ``reps`` batches of ``n`` calls.

    Each batch cycles over ``inputs``, after a warm-up of a tenth of a batch; the garbage
    collector runs before each batch, and ``cpu`` records the CPU share while timing.
    """
    k = len(inputs)

    def batch(count: int) -> None:
        for i in range(count):
            fn(inputs[i % k])

    batch(max(n // 10, k))  # warm-up
    times = []
    for _ in range(reps):
        gc.collect()
        with cpu:
            t0 = time.perf_counter()
            batch(n)
            times.append(time.perf_counter() - t0)
    return n / min(times), n / median(times)

"""Run every benchmark and print a summary of the key figures against their targets.

The scripts run in order, each in its own process with this interpreter (so each
has its own memory figures), their output passing straight through under a header. Each
writes its key figures to a temporary JSON file (``--json PATH``) for the summary table
at the end. Nothing is asserted on time: a missed target shows as ``NO`` in the table.
A script that fails (or writes to stderr) is reported and makes this script exit with
status 1; in normal operation nothing is written to stderr.

Run: ``make bench`` or ``.venv/bin/python benchmarks/run_all.py`` (about seven minutes).
"""

from __future__ import annotations

import json
import os
import platform
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = (
    ("bench_fetch.py", "HTTPS fetches through football_night() against the bare floor"),
    ("bench_measure.py", "Web Connectivity measurements against a browser's fetch"),
    ("bench_core.py", "world build, live flows in a censor, substring and regex block lists"),
    ("bench_sni.py", "SNI extraction: censorsim.wire.extract_sni against scapy"),
    ("bench_quic.py", "QUIC SNI extraction: extract_quic_sni against aioquic's packet code"),
    ("bench_blocklist.py", "a 1,000,000-name suffix block list"),
    (
        "bench_scale.py",
        "a synthetic internet of 1,000,000 names, a 3,000-address list's collateral",
    ),
    ("bench_notebooks.py", "lessons and solutions: execution time against an empty notebook"),
    ("bench_grading.py", "autograding 20 warm-up submissions, sandbox on and off"),
    ("bench_student_server.py", "memory of a student's server with lessons 00-02 open"),
)
WIDTH = 100


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{ssl.OPENSSL_VERSION}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {load}"
    )


def run(script: str, summary: Path) -> tuple[int, str]:
    """Run one benchmark; its stdout passes through, its stderr is returned."""
    sys.stdout.flush()
    proc = subprocess.run(
        [sys.executable, str(HERE / script), "--json", str(summary)],
        cwd=HERE.parent,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    return proc.returncode, proc.stderr


def main() -> int:
    t0 = time.perf_counter()
    print(f"censorsim benchmarks: {machine()}")
    rows: list[dict] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="censorsim-bench-") as tmp:
        for i, (script, title) in enumerate(BENCHMARKS, start=1):
            print()
            print("=" * WIDTH)
            print(f"[{i}/{len(BENCHMARKS)}] {script}: {title}")
            print("=" * WIDTH)
            summary = Path(tmp) / f"{script}.json"
            code, err = run(script, summary)
            if err:
                sys.stderr.write(f"{script} wrote to stderr:\n{err}")
            if code != 0 or err or not summary.exists():
                failed = True
                rows.append(
                    {
                        "name": script,
                        "figure": f"FAILED (exit status {code})",
                        "target": "-",
                        "met": False,
                        "cpu": None,
                    }
                )
                continue
            rows.extend(json.loads(summary.read_text()))
    print()
    print("=" * WIDTH)
    print("summary (figures vary from run to run; nothing is asserted)")
    print("=" * WIDTH)
    name_w = max(len("benchmark"), *(len(r["name"]) for r in rows))
    fig_w = max(len("figure"), *(len(r["figure"]) for r in rows))
    tgt_w = max(len("target"), *(len(r["target"]) for r in rows))
    print(f"{'benchmark':{name_w}}  {'figure':{fig_w}}  {'target':{tgt_w}}  met  cpu share")
    print(f"{'-' * name_w}  {'-' * fig_w}  {'-' * tgt_w}  ---  ---------")
    for r in rows:
        mark = "-" if r["met"] is None else "yes" if r["met"] else "NO"  # None: no target
        share = "-" if r.get("cpu") is None else f"{r['cpu']:.0%}"
        print(
            f"{r['name']:{name_w}}  {r['figure']:{fig_w}}  {r['target']:{tgt_w}}  {mark:3}  "
            f"{share:>9}"
        )
    targets = [r for r in rows if r["met"] is not None]
    missed = sum(1 for r in targets if not r["met"])
    print(
        f"\n{len(targets) - missed} of {len(targets)} targets met; total "
        f"{time.perf_counter() - t0:.0f} s"
    )
    print(
        "cpu share = the benchmark's CPU time / wall time while timing; well below 100% means\n"
        "other work on the machine slowed its figures down: run again on a quiet machine"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""How long each lesson and solution notebook takes to run top to bottom, against the floor.

What it measures
----------------
For every notebook in ``lessons/`` and ``solutions/``: the wall-clock time nbclient takes to
execute it from a fresh kernel to the kernel's shutdown, as a student's "Restart and Run
All" does. Each run executes a copy of the notebook's folder in a temporary directory
(nothing is written into the repository), with the ``python3`` kernel of the interpreter
running this script.

The FLOOR is the same measurement for an empty notebook: starting the kernel, waiting for
it to be ready and shutting it down, with nothing to run. "cells" = notebook - floor is what
the lesson's own code costs.

Targets (printed, never asserted; docs: /tmp/briefs/notebooks.md, DESIGN.md section 6):
lesson 00 under 15 s, lessons 01 to 06 under 30 s, the solution notebooks of labs 02 and 03
(hidden tests included) under 20 s; whole notebook including the floor.

How
---
``time.perf_counter`` around ``NotebookClient.execute()``; REPS repetitions, interleaved
(the floor, then every notebook, in each repetition) so that drift in the machine's speed
affects all alike; the headline is the MEDIAN repetition, the slowest in brackets. A
notebook that fails is reported as FAILED with its error (and makes the exit status 1).

Run: ``.venv/bin/python benchmarks/bench_notebooks.py [--reps N]`` (about 15 s per
repetition with three lessons and a lab; 3 repetitions by default).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from _common import median, met, write_summary
from ipykernel.kernelspec import get_kernel_dict
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("lessons", "solutions")
REPS = 3
TIMEOUT = 300  # seconds per cell: a hang guard
# Recent jupyter_client versions give the kernel CurveZMQ keys when asked; without them
# the kernel warns on stderr that it runs over TCP without encryption
ENCRYPTION = (
    {"transport_encryption": "auto"}
    if "transport_encryption" in KernelManager.class_traits()
    else {}
)
# seconds, for the whole notebook
TARGETS = {
    "lessons/00-": 15.0,
    "lessons/01-": 30.0,
    "lessons/02-": 30.0,
    "lessons/03-": 30.0,
    "lessons/04-": 30.0,
    "lessons/05-": 30.0,
    "lessons/06-": 30.0,
    "solutions/lab03-": 20.0,  # a lab's whole solution notebook, hidden tests included
    "solutions/lab02-": 20.0,
}


def notebooks() -> list[Path]:
    found = []
    for folder in FOLDERS:
        found += [
            p for p in (ROOT / folder).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
        ]
    return sorted(found)


def target(rel: str) -> float | None:
    return next((t for prefix, t in TARGETS.items() if rel.startswith(prefix)), None)


class Runner:
    """Executes notebooks with a kernel spec that points at this interpreter."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        spec = tmp / "kernels" / "python3"
        spec.mkdir(parents=True)
        # ipykernel's own spec for this interpreter (argv[0] = sys.executable), with its
        # metadata: without "supported_encryption" the kernel warns on stderr
        (spec / "kernel.json").write_text(json.dumps(get_kernel_dict()))
        self.specs = KernelSpecManager(kernel_dirs=[str(spec.parent)], ensure_native_kernel=False)
        self.runs = 0

    def run(self, nb: nbformat.NotebookNode, workdir: Path) -> float:
        km = KernelManager(kernel_name="python3", kernel_spec_manager=self.specs, **ENCRYPTION)
        client = NotebookClient(
            nb, km=km, timeout=TIMEOUT, resources={"metadata": {"path": str(workdir)}}
        )
        t0 = time.perf_counter()
        # The kernel process's own log (e.g. "Parent appears to have exited" at shutdown)
        # is not notebook output: cells' stderr still arrives as outputs and is checked.
        client.execute(stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0

    def floor(self) -> float:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        workdir = self.tmp / "floor"
        workdir.mkdir(exist_ok=True)
        return self.run(nb, workdir)

    def notebook(self, path: Path) -> float:
        """Run a copy of ``path`` in a fresh copy of its folder."""
        self.runs += 1
        workdir = self.tmp / f"run{self.runs}" / path.parent.name
        shutil.copytree(
            path.parent,
            workdir,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "captures", "__pycache__"),
        )
        nb = nbformat.read(workdir / path.name, as_version=4)
        seconds = self.run(nb, workdir)
        stderr = [
            out
            for cell in nb.cells
            for out in cell.get("outputs", [])
            if out.get("output_type") == "stream" and out.get("name") == "stderr"
        ]
        if stderr:  # not a failure of the benchmark, but worth seeing
            print(f"  note: {path.relative_to(ROOT)} wrote {len(stderr)} stderr outputs")
        return seconds


def main() -> int:
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else REPS
    paths = notebooks()
    if not paths:
        print("no notebooks in lessons/ or solutions/")
        write_summary([])
        return 0
    t_start = time.perf_counter()
    floors: list[float] = []
    times: dict[Path, list[float]] = {p: [] for p in paths}
    errors: dict[Path, str] = {}
    with tempfile.TemporaryDirectory(prefix="censorsim-bench-nb-") as tmp:
        runner = Runner(Path(tmp))
        runner.floor()  # warm-up: imports, caches (matplotlib's font cache, .pyc files)
        for _ in range(reps):
            floors.append(runner.floor())
            for path in paths:
                if path in errors:
                    continue
                try:
                    times[path].append(runner.notebook(path))
                except Exception as e:  # a failing notebook is reported, not timed
                    text = re.sub(r"\x1b\[[0-9;]*m", "", str(e)).strip()  # no colours
                    last = (text.splitlines() or [""])[-1]
                    errors[path] = f"{type(e).__name__}: {last}"
    floor = median(floors)
    print(f"nbclient, python3 kernel = {sys.executable}")
    print(f"method: {reps} repetitions, interleaved; MEDIAN repetition [slowest]; perf_counter")
    print(
        f"floor (empty notebook: kernel start, ready, shutdown): {floor:.1f} s [{max(floors):.1f}]"
    )
    print()
    width = max(len(str(p.relative_to(ROOT))) for p in paths)
    rows = []
    for path in paths:
        rel = path.relative_to(ROOT).as_posix()
        goal = target(rel)
        goal_text = f"< {goal:.0f} s" if goal else "-"
        if path in errors:
            print(f"{rel:{width}}  FAILED: {errors[path]}")
            rows.append({"name": rel, "figure": "FAILED", "target": goal_text, "met": False})
            continue
        seconds = median(times[path])
        ok = goal is None or seconds < goal
        verdict = f"  target {goal_text}  met: {met(ok)}" if goal else ""
        print(
            f"{rel:{width}}  {seconds:5.1f} s (floor {floor:.1f} s; cells {seconds - floor:5.1f} s)"
            f" [{max(times[path]):.1f}]{verdict}"
        )
        rows.append(
            {
                "name": rel,
                "figure": f"{seconds:.1f} s (floor {floor:.1f} s)",
                "target": goal_text,
                "met": ok if goal else None,  # None: no target for this notebook
            }
        )
    print(f"\ntotal wall time of this benchmark: {time.perf_counter() - t_start:.0f} s")
    write_summary(rows)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

"""What autograding a class costs: nbgrader's start-up, then seconds per submission.

What it measures
----------------
A temporary course (copies of the repository's ``nbgrader_config.py`` and ``solutions/``,
labs generated with ``tools/nbgrader_tasks.py``, as ``make labs`` does) receives
submissions of the warm-up lab ``lab00-warmup``: copies of the solution, and every fifth
one the blank student version. Then, with ``tools/nbgrader_tasks.autograde`` (what
``make grade`` runs: ONE ``nbgrader autograde <lab> --force`` call for the whole class):

1. one call with ONE submission: nbgrader's start-up plus one submission;
2. one call with all N submissions (the first one again among them, ``--force``).

Seconds per submission beyond start-up = (time 2 - time 1) / (N - 1); start-up =
time 1 - that. A submission's cost is nbgrader's sanitizing, a fresh Python kernel, the
lab's cells (hidden tests included), and the gradebook writes. The target of the issue:
under 2 s per submission beyond start-up. Nothing is asserted.

Run: ``.venv/bin/python benchmarks/bench_grading.py [N]`` (N = 30 by default; about a
minute and a half).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from _common import met, write_summary

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from nbgrader_helpers import lab_notebooks, make_course, read, submit, tasks  # noqa: E402

LAB = "lab00-warmup"
TARGET = 2.0  # seconds per submission beyond nbgrader's start-up
SEED = {"CENSORSIM_GRADING_SEED": "31337"}


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args and args[0].isdigit() else 30
    workdir = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        root = make_course(workdir / "course")
        t0 = time.perf_counter()
        tasks.generate_labs(root, [LAB])
        t_generate = time.perf_counter() - t0
        solution = {p.name: read(p) for p in lab_notebooks(root, "source", LAB)}
        blank = {p.name: read(p) for p in lab_notebooks(root, "release", LAB)}
        students = [f"student{i:02d}" for i in range(n)]
        kinds = {s: ("blank" if i % 5 == 4 else "solution") for i, s in enumerate(students)}

        submit(root, students[0], LAB, solution)
        t0 = time.perf_counter()
        tasks.autograde(root, [LAB], env=SEED)
        t_one = time.perf_counter() - t0

        for student in students[1:]:
            submit(root, student, LAB, blank if kinds[student] == "blank" else solution)
        t0 = time.perf_counter()
        tasks.autograde(root, [LAB], env=SEED)
        t_all = time.perf_counter() - t0

        scores = {s: p for (s, lab), p in tasks.scores(root).items() if lab == LAB}
        wrong = [
            s for s in students if scores[s][0] != (0 if kinds[s] == "blank" else scores[s][1])
        ]
        if wrong:
            raise SystemExit(f"unexpected scores for {wrong}: {[scores[s] for s in wrong]}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    per = (t_all - t_one) / (n - 1)
    startup = t_one - per
    n_blank = sum(1 for k in kinds.values() if k == "blank")
    print(f"lab: {LAB}; {n} submissions ({n - n_blank} solutions, {n_blank} blank); seed fixed")
    print("method: tools/nbgrader_tasks.autograde (make grade): one nbgrader call per lab")
    print(f"generate the lab (make labs, fresh gradebook):  {t_generate:6.1f} s")
    print(f"autograde 1 submission:                         {t_one:6.1f} s")
    print(f"autograde {n} submissions in one call:           {t_all:6.1f} s")
    print(f"nbgrader start-up (estimate):                   {startup:6.1f} s")
    ok = per < TARGET
    print(
        f"seconds per submission beyond start-up:         {per:6.2f} s   "
        f"target < {TARGET:g} s  met: {met(ok)}"
    )
    print(f"a class of 100 would take about {startup + 100 * per:.0f} s")
    write_summary(
        [
            {
                "name": "autograde lab00-warmup",
                "figure": f"{per:.2f} s per submission beyond {startup:.1f} s start-up "
                f"({n} in {t_all:.0f} s)",
                "target": f"< {TARGET:g} s per submission",
                "met": ok,
            }
        ]
    )


if __name__ == "__main__":
    main()

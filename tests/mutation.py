"""Mutation testing of the labs: plausible wrong answers must lose points on every seed.

A *mutant* is a file ``tests/mutants/<lab>/<name>.py`` that replaces one answer cell of
the lab. Its first line says which, and what mistake it makes::

    # mutant of dropped_at_answer: counts "no-route" as a drop, though ...

A *right answer* in the same folder is the opposite check: another correct way to write an
answer (a shortcut the task allows, a different algorithm), which must keep every point on
every seed, so that the hidden tests do not punish what the text permits::

    # right answer of hellos_seen_answer: reads the name with cs.extract_sni, as allowed

How a lab is graded here, and why it is faithful to nbgrader
-------------------------------------------------------------
Grading the lab once per mutant and per seed with nbgrader would cost a kernel start and
a whole notebook each time (about 2 s; 25 mutants on 4 seeds, over 3 minutes). Instead,
for each grading seed ONE kernel (nbclient, the grader's Python, its stderr sent to stdout
as the grading kernel does, ``CENSORSIM_GRADING_SEED`` set as the grader sets it) runs the
source notebook from ``solutions/`` top to bottom, hidden tests included, exactly the cells
nbgrader runs once it has put the tests back. Then, for each mutant: its answer cell runs,
then that task's test cells, in order; the solution's answer cell runs again afterwards.
Points come from ``nbgrader.utils.determine_grade``, the function nbgrader itself grades
with. A task's tests depend only on its own answer cell (tests/test_mutants.py checks
that a mutant leaves the other tasks alone), so the points are those nbgrader would give.
tests/test_grading_class.py grades mutants through nbgrader itself too, and checks that
the figures agree.

Run ``.venv/bin/python tests/mutation.py LAB [N]`` to try N seeds (a lab's author does
this before committing new hidden tests).
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MUTANTS = HERE / "mutants"
sys.path.insert(0, str(REPO / "tools"))

import autograding  # noqa: E402  (tools/ is not a package)

HEADER = re.compile(r"^# (?P<kind>mutant|right answer) of (?P<answer>\w+): (?P<mistake>.+)$")
CELL_TIMEOUT = 120


@dataclass(frozen=True)
class Mutant:
    lab: str
    name: str
    answer: str  # the grade_id of the answer cell it replaces
    mistake: str  # for a right answer: what it does differently from the solution
    source: str
    right: bool = False  # a right answer ("# right answer of ..."): it must keep every point


def load_mutants(lab: str) -> list[Mutant]:
    """The mutants of ``lab``, sorted by name; a file without a proper header is an error."""
    found = []
    for path in sorted((MUTANTS / lab).glob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        match = HEADER.match(lines[0]) if lines else None
        if match is None:
            raise ValueError(
                f"{path}: the first line must be '# mutant of <answer id>: <mistake>' or "
                "'# right answer of <answer id>: <how it differs>'"
            )
        mistake = [match["mistake"]]
        for line in lines[1:]:
            if not line.startswith("# "):
                break
            mistake.append(line[2:])
        right = match["kind"] == "right answer"
        found.append(Mutant(lab, path.stem, match["answer"], " ".join(mistake), text, right))
    return found


def source_notebook(lab: str) -> nbformat.NotebookNode:
    return nbformat.read(REPO / "solutions" / lab / f"{lab}.ipynb", as_version=4)


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def tasks(nb) -> dict[str, list[int]]:
    """``{answer grade_id: [indexes of the test cells after it, up to the next answer]}``."""
    found: dict[str, list[int]] = {}
    current = None
    for index, cell in enumerate(nb.cells):
        meta = _meta(cell)
        if meta.get("solution"):
            current = meta["grade_id"]
            found[current] = []
        elif meta.get("grade") and current is not None:
            found[current].append(index)
    return found


def seeds(count: int = 4) -> list[str]:
    """Grading seeds as the grader derives them: a secret and a student id each."""
    return [
        autograding.student_seed("mutation-tests-" + "s" * 24, f"student{i}") for i in range(count)
    ]


@dataclass
class LabRun:
    """Points per test cell (grade_id) for the solution and for each mutant, on one seed."""

    seed: str
    solution: dict[str, float]
    maximum: dict[str, float]
    mutants: dict[str, dict[str, float]]  # mutant name -> {grade_id of its task's cells: points}


def _points(cell) -> float:
    from nbgrader.utils import determine_grade

    points, _ = determine_grade(cell)
    return float(points or 0.0)


def run_lab(lab: str, seed: str, mutants: list[Mutant]) -> LabRun:
    """Grade the solution and each mutant of ``lab`` on one grading seed (one kernel)."""
    from nbclient import NotebookClient

    nb = source_notebook(lab)
    by_answer = tasks(nb)
    answers = {_meta(c)["grade_id"]: i for i, c in enumerate(nb.cells) if _meta(c).get("solution")}
    env = dict(os.environ)
    env[autograding.SEED_VARIABLE] = seed
    env.pop("NBGRADER_EXECUTION", None)
    with tempfile.TemporaryDirectory(prefix="mutation-") as folder:
        client = NotebookClient(
            nb,
            kernel_name="python3",
            timeout=CELL_TIMEOUT,
            allow_errors=True,
            shutdown_kernel="immediate",
            extra_arguments=[f"--IPKernelApp.exec_lines={autograding.STDERR_TO_STDOUT}"],
            resources={"metadata": {"path": folder}},
        )
        with client.setup_kernel(env=env, stderr=subprocess.DEVNULL):
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            solution = {_meta(c)["grade_id"]: _points(c) for c in nb.cells if _meta(c).get("grade")}
            maximum = {
                _meta(c)["grade_id"]: float(_meta(c)["points"])
                for c in nb.cells
                if _meta(c).get("grade")
            }
            results: dict[str, dict[str, float]] = {}
            for mutant in mutants:
                if mutant.answer not in answers:
                    raise ValueError(f"{lab}/{mutant.name}: no answer cell {mutant.answer!r}")
                index = answers[mutant.answer]
                wrong = copy.deepcopy(nb.cells[index])
                wrong.source = mutant.source
                client.execute_cell(wrong, index)
                results[mutant.name] = {}
                for test in by_answer[mutant.answer]:
                    cell = copy.deepcopy(nb.cells[test])
                    cell.outputs = []
                    client.execute_cell(cell, test)
                    results[mutant.name][_meta(cell)["grade_id"]] = _points(cell)
                client.execute_cell(copy.deepcopy(nb.cells[index]), index)  # the solution again
    return LabRun(seed, solution, maximum, results)


def problems(run: LabRun, mutants: list[Mutant], lab: str) -> list[str]:
    """What is wrong with one seed's run: a solution below full marks, a mutant that kept all."""
    found = [
        f"{lab}, seed {run.seed}: the solution lost the points of {grade_id}"
        for grade_id, points in run.solution.items()
        if points < run.maximum[grade_id]
    ]
    for mutant in mutants:
        points = run.mutants[mutant.name]
        if mutant.right:
            lost = {g: run.maximum[g] - p for g, p in points.items() if p < run.maximum[g]}
            if lost:
                found.append(
                    f"{lab}, seed {run.seed}: right answer {mutant.name} ({mutant.mistake}) lost "
                    f"{lost}"
                )
            continue
        if sum(points.values()) >= sum(run.maximum[g] for g in points):
            found.append(
                f"{lab}, seed {run.seed}: mutant {mutant.name} ({mutant.mistake}) kept every "
                f"point of its task"
            )
    return found


def main(argv: list[str]) -> int:
    lab = argv[0]
    count = int(argv[1]) if len(argv) > 1 else 4
    mutants = load_mutants(lab)
    failed = False
    for seed in seeds(count):
        run = run_lab(lab, seed, mutants)
        found = problems(run, mutants, lab)
        failed = failed or bool(found)
        lost = {
            m.name: sum(run.maximum[g] for g in p) - sum(p.values())
            for m, p in ((m, run.mutants[m.name]) for m in mutants)
        }
        print(
            f"seed {seed}: solution {sum(run.solution.values()):g}/{sum(run.maximum.values()):g}; lost by mutants: {lost}"
        )
        for line in found:
            print("   ", line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Every lab is fair: its plausible wrong answers lose points on every grading seed.

Each lab ships mutants under ``tests/mutants/<lab>/`` (DESIGN.md, section 5): at least
three per task, each one a mistake students make (one file per mutant; its first line
names the answer cell it replaces and the mistake). On each of four grading seeds, derived
as the grader derives a student's seed:

* the solution keeps full marks;
* every mutant loses points, and loses them in the HIDDEN test cell of its task: the
  hidden tests alone catch it, whatever cases the seed draws (they cover every kind of
  case the task names, on every seed);
* every *right answer* (another correct way, such as a shortcut the task allows) keeps
  every point;
* a mutant touches its own task only (it defines the answer cell's function and nothing
  that another task uses).

How a lab is graded here (one kernel per seed, the cells nbgrader runs, nbgrader's own
scoring) is explained in tests/mutation.py; tests/test_grading_class.py checks that real
nbgrader grading gives the same points to mutants.
"""

from __future__ import annotations

import ast

import pytest
from mutation import load_mutants, run_lab, seeds, source_notebook, tasks
from nbgrader_helpers import lab_names, nbgrader_meta

pytestmark = pytest.mark.slow

LABS = lab_names()
SEEDS = seeds(4)
MIN_MUTANTS_PER_TASK = 3


def _defined(source: str) -> set[str]:
    tree = ast.parse(source)
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)}


def _answers(lab: str) -> dict[str, str]:
    """``{answer grade_id: its source}`` in the solution notebook."""
    nb = source_notebook(lab)
    return {
        nbgrader_meta(c)["grade_id"]: c.source for c in nb.cells if nbgrader_meta(c).get("solution")
    }


@pytest.mark.parametrize("lab", LABS)
def test_every_task_has_mutants(lab):
    answers = _answers(lab)
    mutants = load_mutants(lab)
    assert answers, f"{lab} has no answer cell"
    for answer in answers:
        mine = [m.name for m in mutants if m.answer == answer and not m.right]
        assert len(mine) >= MIN_MUTANTS_PER_TASK, (
            f"{lab}: {answer} has {len(mine)} mutants ({mine}); write at least "
            f"{MIN_MUTANTS_PER_TASK} plausible wrong answers in tests/mutants/{lab}/"
        )
    unknown = [m.name for m in mutants if m.answer not in answers]
    assert not unknown, f"{lab}: mutants of no answer cell: {unknown}"


@pytest.mark.parametrize("lab", LABS)
def test_a_mutant_defines_only_its_answers_function(lab):
    answers = _answers(lab)
    for mutant in load_mutants(lab):
        wanted = _defined(answers[mutant.answer])
        assert _defined(mutant.source) == wanted, (
            f"{lab}/{mutant.name}.py defines {sorted(_defined(mutant.source))}, the answer cell "
            f"{mutant.answer} defines {sorted(wanted)}"
        )
        assert len(mutant.mistake) > 30, f"{lab}/{mutant.name}.py: say what the mistake is"


@pytest.fixture(scope="module", params=[(lab, seed) for lab in LABS for seed in SEEDS])
def graded(request):
    lab, seed = request.param
    mutants = load_mutants(lab)
    return lab, mutants, run_lab(lab, seed, mutants)


def test_the_solution_keeps_full_marks_on_every_seed(graded):
    lab, _, run = graded
    lost = {g: run.maximum[g] - p for g, p in run.solution.items() if p < run.maximum[g]}
    assert not lost, f"{lab}, seed {run.seed}: the solution lost points in {lost}"


def test_every_mutant_loses_points_in_the_hidden_tests_on_every_seed(graded):
    lab, mutants, run = graded
    hidden = {
        nbgrader_meta(c)["grade_id"]
        for c in source_notebook(lab).cells
        if "### BEGIN HIDDEN TESTS" in c.source
    }
    by_answer = tasks(source_notebook(lab))
    survivors = []
    for mutant in (m for m in mutants if not m.right):
        points = run.mutants[mutant.name]
        assert len(points) == len(by_answer[mutant.answer]), mutant.name
        caught = [g for g in points if g in hidden and points[g] < run.maximum[g]]
        if not caught:
            survivors.append(f"{mutant.name} ({mutant.mistake}): {points}")
    assert not survivors, f"{lab}, seed {run.seed}: the hidden tests miss\n" + "\n".join(survivors)


def test_right_answers_keep_every_point_on_every_seed(graded):
    """Another correct way to answer (a shortcut the task allows) loses nothing."""
    lab, mutants, run = graded
    punished = {
        m.name: {g: p for g, p in run.mutants[m.name].items() if p < run.maximum[g]}
        for m in mutants
        if m.right
    }
    punished = {name: lost for name, lost in punished.items() if lost}
    assert not punished, f"{lab}, seed {run.seed}: right answers that lost points: {punished}"

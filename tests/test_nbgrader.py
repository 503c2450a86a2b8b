"""The nbgrader pipeline, for every lab under solutions/ (DESIGN.md, sections 5 and 6).

* ``nbgrader_config.py`` uses only option names nbgrader 0.9.6 knows (traitlets ignores
  misspelt ones without a word);
* regenerating ``labs/`` from ``solutions/`` in a fresh copy of the course gives the
  committed files byte for byte;
* nbgrader's Validator passes every solution notebook and fails every student version
  (``nbgrader validate`` exits 0 either way, so the Python API is used);
* a round trip in a temporary course, with one autograde call per lab for all students:
  the solution scores full marks and the blank student version zero; edited test cells
  and deleted test cells are put back before grading; an endless loop in one answer
  costs that answer's points only; the solutions score full marks under two grading
  secrets (the tests of tests/test_grading_class.py grade hostile and broken submissions).

Labs added later are covered automatically: the tests are parametrized over solutions/.
"""

from __future__ import annotations

import time

import pytest
from nbgrader_helpers import (
    REPO,
    autograding,
    delete_cell,
    grade_cells,
    grading_secret,
    lab_names,
    lab_notebooks,
    loop_answer,
    make_course,
    max_points,
    nbgrader_meta,
    points_of_answer,
    read,
    submit,
    tamper_tests,
    tasks,
    warn_on_call,
)

pytestmark = pytest.mark.slow

LABS = lab_names()
LOOP_TIMEOUT = 10  # seconds per cell in the temporary course (the real config says 60)
SECRET_A, SECRET_B = (
    "a-secret-for-the-tests-" + "a" * 20,
    "another-secret-for-the-tests-" + "b" * 20,
)


@pytest.fixture(scope="module", autouse=True)
def _secret():
    with grading_secret(SECRET_A):
        yield


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A temporary course with the repository's config and solutions, labs generated."""
    root = make_course(tmp_path_factory.mktemp("course"), timeout=LOOP_TIMEOUT)
    tasks.generate_labs(root)
    return root


def test_there_are_labs():
    assert LABS, "no lab under solutions/"
    for lab in LABS:
        assert [p.name for p in lab_notebooks(REPO, "source", lab)] == [f"{lab}.ipynb"], (
            f"solutions/{lab}/ should hold one notebook named {lab}.ipynb"
        )


# -- the configuration -------------------------------------------------------------------
def test_config_options_exist_in_nbgrader():
    """Every option of nbgrader_config.py is a configurable trait of an nbgrader class."""
    import nbgrader.apps
    import nbgrader.apps.baseapp
    import nbgrader.converters
    import nbgrader.coursedir
    import nbgrader.preprocessors
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    modules = [
        nbgrader.coursedir,
        nbgrader.preprocessors,
        nbgrader.converters,
        nbgrader.apps,
        nbgrader.apps.baseapp,
        autograding,  # the course's own Execute (CourseExecute)
    ]
    assert config, "nbgrader_config.py sets nothing"
    for section, options in config.items():
        classes = [getattr(m, section) for m in modules if hasattr(m, section)]
        assert classes, f"{section} is not an nbgrader class"
        known = classes[0].class_traits(config=True)
        for name in options:
            assert name in known, f"{section}.{name} is not a configurable option of nbgrader"
    assert config.OverwriteCells.add_missing_cells is True
    assert config.IgnorePattern.enabled is True and config.IgnorePattern.pattern
    assert config.Execute.interrupt_on_timeout is True
    assert config.CourseDirectory.source_directory == "solutions"
    assert config.CourseDirectory.release_directory == "labs"
    assert config.CourseDirectory.db_url.startswith("sqlite:///")
    steps = config.Autograde.autograde_preprocessors
    assert autograding.CourseExecute in steps and not any(
        step.__name__ == "Execute" for step in steps
    ), steps
    assert config.CourseExecute.sandbox == "auto" and config.CourseExecute.notebook_timeout > 0


def test_ignore_pattern_drops_warnings_only():
    import re

    from traitlets.config.loader import PyFileConfigLoader

    pattern = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    pattern = pattern.IgnorePattern.pattern
    for warning in [
        "/x/y.py:3: DeprecationWarning: old\n  import z\n",
        "WARNING: No IPv4 address found on eth0 !\n",
        "Matplotlib is building the font cache; this may take a moment.\n",
    ]:
        assert re.search(pattern, warning), warning
    for other in ["✘ the answer\n", "Traceback (most recent call last):\n", "warnings are fine\n"]:
        assert not re.search(pattern, other), other


# -- labs/ is generated ------------------------------------------------------------------
def _files(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_labs_folder_matches_solutions():
    assert sorted(p.name for p in (REPO / "labs").iterdir() if p.is_dir()) == LABS, (
        "labs/ and solutions/ hold different labs: run `make labs`"
    )


@pytest.mark.parametrize("lab", LABS)
def test_regenerating_labs_gives_the_committed_files(course, lab):
    committed = _files(REPO / "labs" / lab)
    assert _files(course / "labs" / lab) == committed, (
        f"labs/{lab}/ differs from what solutions/{lab}/ generates: run `make labs`"
    )


@pytest.mark.parametrize("lab", LABS)
def test_student_version_holds_no_answer(lab):
    for path in lab_notebooks(REPO, "release", lab):
        text = path.read_text()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS"):
            assert marker not in text, f"{path.relative_to(REPO)} contains {marker!r}"
        nb = read(path)
        assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")


@pytest.mark.parametrize("lab", LABS)
def test_metadata_of_graded_cells(lab):
    """nbgrader 0.9 metadata, unique grade_ids, a docstring and points on every test cell."""
    for path in lab_notebooks(REPO, "source", lab):
        nb = read(path)
        ids = [nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c)]
        assert len(ids) == len(set(ids)), f"duplicate grade_id in {path.name}"
        assert grade_cells(nb), f"{path.name} has no test cell"
        for cell in nb.cells:
            meta = nbgrader_meta(cell)
            if not meta:
                continue
            assert set(meta) == {
                "grade",
                "grade_id",
                "locked",
                "schema_version",
                "solution",
                "task",
            } | ({"points"} if meta["grade"] else set()), meta
            assert meta["schema_version"] == 3 and meta["task"] is False
            if meta["grade"]:
                assert meta["locked"] and not meta["solution"] and meta["points"] > 0
                first = cell.source.splitlines()[0]
                assert first.startswith('"""Check that ') and first.endswith('"""'), first
            if meta["solution"]:
                assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source


# -- nbgrader's Validator ----------------------------------------------------------------
def _validator(course, **options):
    from nbgrader.validator import Validator
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    return Validator(config=config, **options)


@pytest.mark.parametrize("lab", LABS)
def test_validator_passes_the_solutions(course, lab):
    for path in lab_notebooks(course, "source", lab):
        # validate_all: any error, or any output on stderr, in ANY cell fails too
        results = _validator(course, validate_all=True).validate(str(path))
        assert results == {}, f"{path.name}: {results}"


@pytest.mark.parametrize("lab", LABS)
def test_validator_fails_the_student_version(course, lab):
    for path in lab_notebooks(course, "release", lab):
        tests = grade_cells(read(path))
        results = _validator(course).validate(str(path))
        assert "changed" not in results and "type_changed" not in results, results
        assert len(results.get("failed", [])) == len(tests), (
            f"{path.name}: {len(tests)} test cells, but only "
            f"{len(results.get('failed', []))} fail on the blank student version"
        )
        inverted = _validator(course, invert=True).validate(str(path))
        assert inverted.get("passed", []) == [], [c["source"][:80] for c in inverted["passed"]]
        assert "changed" not in inverted


# -- the round trip ----------------------------------------------------------------------
@pytest.fixture(scope="module", params=LABS)
def graded(request, course):
    """Hand in a class of submissions for one lab, autograde them, return what happened."""
    lab = request.param
    sources = {p.name: read(p) for p in lab_notebooks(course, "source", lab)}
    blanks = {p.name: read(p) for p in lab_notebooks(course, "release", lab)}
    first = sorted(sources)[0]
    solution_ids = [
        nbgrader_meta(c)["grade_id"]
        for c in sources[first].cells
        if nbgrader_meta(c).get("solution")
    ]
    test_ids = [nbgrader_meta(c)["grade_id"] for c in grade_cells(sources[first])]

    def variant(notebooks, change):
        return {**notebooks, first: change(notebooks[first])}

    submissions = {
        "solution": sources,
        "blank": blanks,
        # every test cell edited to `pass`, and one test cell deleted
        "edited-solution": variant(
            {n: tamper_tests(nb) for n, nb in sources.items()},
            lambda nb: delete_cell(nb, test_ids[0]),
        ),
        "edited-blank": variant(
            {n: tamper_tests(nb) for n, nb in blanks.items()},
            lambda nb: delete_cell(nb, test_ids[-1]),
        ),
        # the last answer loops forever; the first one's functions warn on stderr
        "loop-and-warnings": variant(
            sources,
            lambda nb: warn_on_call(loop_answer(nb, solution_ids[-1]), solution_ids[0]),
        ),
    }
    for student, notebooks in submissions.items():
        submit(course, student, lab, notebooks)
    started = time.perf_counter()
    outcomes = tasks.autograde(course, [lab])
    seconds = time.perf_counter() - started
    assert all(o.graded for o in outcomes.values()), [o.reason for o in outcomes.values()]
    # the solutions again, under another grading secret (the hidden cases change), the way
    # `make grade` does it: the gradebook first takes the tests of solutions/ again
    submit(course, "solution-seed-b", lab, sources)
    with grading_secret(SECRET_B):
        tasks.autograde(course, [lab], students=["solution-seed-b"], sync=True)
    scores = {s: points for (s, a), points in tasks.scores(course).items() if a == lab}
    return {
        "lab": lab,
        "root": course,
        "sources": sources,
        "first": first,
        "scores": scores,
        "max": sum(max_points(nb) for nb in sources.values()),
        "loop_points": points_of_answer(sources[first], solution_ids[-1]),
        "loop_answer": solution_ids[-1],
        "seconds": seconds,
        "students": len(submissions),
    }


def _autograded(graded, student):
    return read(
        graded["root"] / "grading" / "autograded" / student / graded["lab"] / graded["first"]
    )


def _score(graded, student):
    points, top = graded["scores"][student]
    assert top == graded["max"]
    return points


def test_solution_scores_full_marks(graded):
    assert graded["max"] > 0
    assert _score(graded, "solution") == graded["max"]
    nb = _autograded(graded, "solution")
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", cell.source[:200]
            assert output.get("name") != "stderr", output.get("text")


def test_blank_student_version_scores_zero(graded):
    assert _score(graded, "blank") == 0


def test_edited_and_deleted_test_cells_are_graded_as_written(graded):
    """Test cells edited to `pass` are put back, and so is a deleted one, in its place."""
    assert _score(graded, "edited-solution") == graded["max"]
    assert _score(graded, "edited-blank") == 0
    source = graded["sources"][graded["first"]]
    wanted = [(nbgrader_meta(c)["grade_id"], c.source) for c in grade_cells(source)]
    for student in ("edited-solution", "edited-blank"):
        got = [
            (nbgrader_meta(c)["grade_id"], c.source)
            for c in grade_cells(_autograded(graded, student))
        ]
        assert [i for i, _ in got] == [i for i, _ in wanted], f"{student}: cells missing"
        for (grade_id, text), (_, original) in zip(got, wanted, strict=True):
            # a restored cell starts with nbgrader's note, as a comment
            assert text == original or text.endswith(original), f"{student}: {grade_id}"


def test_endless_loop_costs_only_its_answer(graded):
    assert graded["loop_points"] > 0
    assert _score(graded, "loop-and-warnings") == graded["max"] - graded["loop_points"]
    nb = _autograded(graded, "loop-and-warnings")
    cell = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == graded["loop_answer"])
    names = [o.get("ename") for o in cell.outputs if o.output_type == "error"]
    assert "CellTimeoutError" in names, cell.outputs  # interrupted after the timeout
    # one call graded the whole class: the loop cost about one timeout, not a minute
    assert graded["seconds"] < LOOP_TIMEOUT + 15 * graded["students"]


def test_stray_warnings_cost_nothing(graded):
    """Warnings in a correct answer reach no test cell's stderr (which nbgrader scores zero):
    the grading kernel sends sys.stderr to stdout (and IgnorePattern is the backstop)."""
    nb = _autograded(graded, "loop-and-warnings")
    warned = [c for c in grade_cells(nb) if "stray warning" in str(c.get("outputs", ""))]
    assert warned, "the warnings never ran: the test proves nothing"
    for cell in grade_cells(nb):
        assert not [o for o in cell.outputs if o.get("name") == "stderr"], cell.outputs


def test_solutions_pass_under_two_grading_secrets(graded):
    assert _score(graded, "solution") == graded["max"]  # SECRET_A
    assert _score(graded, "solution-seed-b") == graded["max"]  # SECRET_B


def test_feedback(graded):
    root, lab = graded["root"], graded["lab"]
    assert tasks.generate_feedback(root, [lab], student="loop-and-warnings") == [lab]
    folder = root / "grading" / "feedback" / "loop-and-warnings" / lab
    html = (folder / graded["first"]).with_suffix(".html").read_text()
    points = graded["scores"]["loop-and-warnings"][0]
    assert f"{points:g}" in html and "CellTimeoutError" in html


def test_score_table_lists_every_student(graded, capsys):
    assert tasks.main(["scores", "--root", str(graded["root"])]) == 0
    table = capsys.readouterr().out
    assert graded["lab"] in table.splitlines()[0]
    top = f"{graded['max']:g}"
    for student, (points, _) in graded["scores"].items():
        assert any(
            line.split()[0] == student and f"{points:g}/{top}" in line
            for line in table.splitlines()
        ), (student, table)

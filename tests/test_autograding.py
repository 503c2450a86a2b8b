"""tools/autograding.py without nbgrader runs: the secret, the seeds, the sandbox command,
the flags for answers that reach into the interpreter (the class is graded in
tests/test_grading_class.py)."""

from __future__ import annotations

import os
import stat

import pytest
from nbgrader_helpers import autograding, grading_secret

GOOD = "a-good-secret-for-the-tests-0123456789"


def test_student_seeds_differ_and_do_not_reveal_the_secret():
    seeds = {autograding.student_seed(GOOD, f"student{i}") for i in range(200)}
    assert len(seeds) == 200
    seed = autograding.student_seed(GOOD, "alice")
    assert seed == autograding.student_seed(GOOD, "alice")  # the same every time
    assert seed != autograding.student_seed(GOOD + "x", "alice")
    assert seed.isdigit() and int(seed) < 2**64 and GOOD not in seed


def test_the_secret_comes_from_the_environment_or_a_private_file(tmp_path, monkeypatch):
    monkeypatch.delenv(autograding.SECRET_VARIABLE, raising=False)
    course = tmp_path / "course"
    course.mkdir()
    with grading_secret(GOOD):
        found = autograding.load_secret(course)
        assert (found.value, found.problem) == (GOOD, None)
        assert found.require() == GOOD
    with grading_secret(None):
        missing = autograding.load_secret(course)
        assert missing.value is None and "make secret" in missing.problem
        with pytest.raises(autograding.GradingSecretError, match="make secret"):
            missing.require()
    path = tmp_path / "config" / "grading-secret"
    monkeypatch.setenv(autograding.SECRET_FILE_VARIABLE, str(path))
    assert autograding.write_secret() == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = autograding.load_secret(course)
    assert written.problem is None and len(written.value) >= autograding.MIN_SECRET_LENGTH
    with pytest.raises(FileExistsError, match="keep it"):
        autograding.write_secret()
    os.chmod(path, 0o644)
    assert "readable by others: chmod 600" in autograding.load_secret(course).problem
    inside = course / "secret"
    inside.write_text(GOOD)
    os.chmod(inside, 0o600)
    monkeypatch.setenv(autograding.SECRET_FILE_VARIABLE, str(inside))
    assert "inside the course folder" in autograding.load_secret(course).problem


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("short", "at least 32"),
        ("x" * 20 + " " + "y" * 20, "without spaces"),
        ("é" * 40, "printable ASCII"),
        ("", "at least 32"),
    ],
)
def test_a_malformed_secret_says_what_is_wrong(value, problem):
    with grading_secret(value):
        found = autograding.load_secret()
        assert problem in found.problem and "$CENSORSIM_GRADING_SECRET" in found.problem


def test_the_sandbox_shows_the_submission_and_python_only(tmp_path):
    course = tmp_path / "course"
    submission = course / "grading" / "autograded" / "alice" / "lab00-warmup"
    submission.mkdir(parents=True)
    (submission / "lab00-warmup.ipynb").write_text("{}")
    (submission / "data.csv").write_text("a,b\n")
    private = tmp_path / "kernel"
    private.mkdir()
    protected = [str(course / "solutions"), str(course / "grading" / "gradebook.db")]
    command = autograding.sandbox_command(
        ["python", "-m", "ipykernel_launcher"],
        cwd=str(submission),
        private=str(private),
        protected=protected,
    )
    assert command[0] == "bwrap" and command[-3:] == ["python", "-m", "ipykernel_launcher"]
    for flag in ("--unshare-all", "--die-with-parent", "--new-session"):
        assert flag in command
    text = " ".join(command)
    assert f"--ro-bind {submission} {submission}" in text
    empty = private / "empty"  # shown in place of the notebook, which holds the hidden tests
    assert f"--ro-bind {empty} {submission / 'lab00-warmup.ipynb'}" in text
    assert empty.read_text() == "" and "--remount-ro /" in text
    assert f"--bind {private} {private}" in text and "--tmpfs /tmp" in text
    assert str(course / "solutions") not in text and str(course) + " " not in text
    # a Python environment installed in a protected folder would show it: refused
    environment = os.path.dirname(autograding.kernel_python_paths()[0])
    with pytest.raises(autograding.NotGraded, match="would show"):
        autograding.sandbox_command(
            ["python"], cwd=str(submission), private=str(private), protected=[environment]
        )


@pytest.mark.parametrize(
    ("source", "flags"),
    [
        ("def f(x):\n    return x + 1\n", []),
        ("def f(trace):\n    return globals()['_r'].stage\n", ["uses globals()"]),
        ("import sys\ndef f():\n    return sys._getframe(1).f_locals\n", ["imports sys"]),
        ("import censorsim as cs\ncs.grading.check = print\n", ["changes cs.grading.check"]),
        ("import gc\n", ["imports gc"]),
        ("from os import environ\n", ["imports os"]),
        ("vars(cs.grading)['same'] = 1\n", ["uses vars()"]),
        ("x = (1).__class__.__subclasses__\n", ["uses .__class__", "uses .__subclasses__"]),
        ("def f(:\n", []),  # not Python: nothing to flag (the tests will fail anyway)
        # monkeypatching: an attribute of a library, or of a name taken from one, replaced
        (
            "from censorsim.censors.engine import CensorEngine\nCensorEngine.add = print\n",
            ["changes CensorEngine.add"],
        ),
        ("import json\njson.dumps = str\n", ["changes json.dumps"]),
        ("import censorsim.measure as m\nm.Blackbox.build = print\n", ["changes m.Blackbox"]),
        ("cs.measure.Blackbox.build = print\n", ["changes cs.measure.Blackbox.build"]),
        # code that runs later, in another cell, or reaches the notebook's globals
        ("class A:\n    def __del__(self):\n        pass\n", ["defines __del__"]),
        ("import __main__\n", ["imports __main__"]),
        ("import weakref\n", ["imports weakref"]),
        ("x = getattr(f, '__closure__')\n", ["uses .__closure__"]),
        # an honest answer's own objects are its own business
        ("class A:\n    pass\n\n\na = A()\na.x = 1\n", []),
        ("def f(self):\n    self.seen = {}\n    return self\n", []),
    ],
)
def test_answers_that_reach_into_the_interpreter_are_flagged(source, flags):
    found = autograding.suspicious_code(source)
    assert all(any(f in got for got in found) for f in flags), found
    if not flags:
        assert found == []
    if "_getframe" in source:
        assert "uses ._getframe" in found and "uses .f_locals" in found


def test_auto_sandbox_that_cannot_run_says_so_on_every_path(monkeypatch, caplog):
    """sandbox='auto' on a machine without a working bubblewrap grades unsandboxed, and
    the grader's log says so (the formgrader's button goes through this path too);
    sandbox='bubblewrap' refuses instead."""
    monkeypatch.setattr(autograding, "bubblewrap_status", lambda: (False, "bwrap is missing"))
    execute = autograding.CourseExecute(sandbox="auto")
    with caplog.at_level("WARNING", logger=execute.log.name):
        assert execute.sandboxed() is False
    assert "WITHOUT the sandbox" in caplog.text and "bwrap is missing" in caplog.text
    with pytest.raises(autograding.NotGraded, match="bwrap is missing"):
        autograding.CourseExecute(sandbox="bubblewrap").sandboxed()
    caplog.clear()
    assert autograding.CourseExecute(sandbox="off").sandboxed() is False
    assert "WITHOUT" not in caplog.text  # an explicit choice, said once by make grade

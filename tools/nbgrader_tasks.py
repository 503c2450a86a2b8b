"""The instructors' nbgrader chores, behind `make labs`, `make grade` and `make feedback`.

Students never need this file. Every command works on a course directory (by default this
repository; ``--root`` names another one, such as a private copy for a class), and runs
nbgrader there, so that nbgrader reads that directory's ``nbgrader_config.py``:

``labs``
    regenerate every student version ``labs/<lab>/`` from ``solutions/<lab>/`` (one
    ``nbgrader generate_assignment --force`` per lab), which also records the labs' cells,
    points and tests in the gradebook. Twice in a row, or in a fresh copy, it writes the
    same bytes: nbgrader puts no timestamp or path in a student version, and cell ids are
    copied from the source notebook in case nbformat ever invents random ones.
``grade``
    autograde everything under ``grading/submitted/<student>/<lab>/``: ONE
    ``nbgrader autograde <lab> --force`` per lab, for all its students at once (nbgrader's
    start-up costs seconds), then print the score table from the gradebook. First the
    gradebook takes the current tests of ``solutions/`` (a test fixed after the release
    counts; ``labs/`` is left alone). The hidden tests read ``CENSORSIM_GRADING_SEED`` from
    the environment, which nbgrader passes on to the notebooks' kernels.
``feedback``
    ``nbgrader generate_feedback <lab> --force`` per autograded lab: HTML files under
    ``grading/feedback/<student>/<lab>/``.
``scores``
    print the score table again (student x lab, points/max).

nbgrader runs the program ``alembic`` by name when it creates a gradebook, so the
environment's ``bin/`` goes first on ``PATH`` for every nbgrader call.

Run: ``.venv/bin/python tools/nbgrader_tasks.py labs|grade|feedback|scores [--root DIR]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SEED_VARIABLE = "CENSORSIM_GRADING_SEED"  # censorsim.grading.SEED_VARIABLE
GRADING_RELEASE = os.path.join("grading", "release")  # student versions made while grading


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message holds its output."""


# -- the course directory ------------------------------------------------------------------
def course_directory(root: Path = ROOT):
    """nbgrader's CourseDirectory as ``root/nbgrader_config.py`` configures it."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return CourseDirectory(config=config)


def lab_names(root: Path = ROOT) -> list[str]:
    """The labs: every folder of ``solutions/`` that holds a notebook."""
    source = _step_dir(root, "source")
    if not source.is_dir():
        return []
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def _step_dir(root: Path, step: str) -> Path:
    coursedir = course_directory(root)
    return Path(coursedir.root) / getattr(coursedir, f"{step}_directory")


def submissions(root: Path = ROOT) -> dict[str, list[str]]:
    """``{lab: [students]}`` for the notebooks under ``grading/submitted/<student>/<lab>/``."""
    labs = set(lab_names(root))
    found: dict[str, list[str]] = {}
    submitted = _step_dir(root, "submitted")
    if not submitted.is_dir():
        return found
    for student in sorted(p for p in submitted.iterdir() if p.is_dir()):
        for lab in sorted(p for p in student.iterdir() if p.is_dir()):
            if lab.name in labs and any(lab.glob("*.ipynb")):
                found.setdefault(lab.name, []).append(student.name)
    return found


# -- running nbgrader ----------------------------------------------------------------------
def nbgrader_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for nbgrader: this Python's ``bin/`` first on PATH (for alembic)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    env.update(extra or {})
    return env


def run_nbgrader(
    root: Path, *args: str, env: dict[str, str] | None = None, capture: bool = True
) -> subprocess.CompletedProcess:
    """Run ``nbgrader *args`` in the course directory ``root``; raise NbgraderError on failure.

    ``env`` adds variables (such as the grading seed) to the current environment.
    """
    program = BIN / "nbgrader"
    command = [str(program) if program.exists() else "nbgrader", *args]
    done = subprocess.run(
        command,
        cwd=root,
        env=nbgrader_env(env),
        text=True,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture else None,
        check=False,
    )
    if done.returncode != 0:
        output = done.stdout or "(output shown above)"
        raise NbgraderError(f"nbgrader {' '.join(args)} failed ({done.returncode}):\n{output}")
    return done


# -- labs ----------------------------------------------------------------------------------
def align_cell_ids(source: Path, release: Path) -> bool:
    """Give the student version the source notebook's cell ids; True if it had to change.

    nbgrader keeps them already; this only guards against a notebook whose cells have no
    ids, which nbformat would fill with random ones (then ``make labs`` would never give
    the same bytes twice). Untouched files keep nbgrader's exact bytes.
    """
    import nbformat

    src = nbformat.read(source, as_version=4)
    rel = nbformat.read(release, as_version=4)
    same_shape = len(src.cells) == len(rel.cells)
    changed = False
    for i, cell in enumerate(rel.cells):
        if "id" not in cell:
            continue
        wanted = src.cells[i].get("id") if same_shape else None
        wanted = wanted or f"cell-{i}"
        if cell["id"] != wanted:
            cell["id"] = wanted
            changed = True
    if changed:
        nbformat.write(rel, release)
    return changed


def generate_labs(root: Path = ROOT, labs: list[str] | None = None, *, capture: bool = True):
    """Regenerate ``labs/<lab>/`` from ``solutions/<lab>/`` and record each lab in the gradebook."""
    labs = lab_names(root) if labs is None else labs
    source, release = _step_dir(root, "source"), _step_dir(root, "release")
    for lab in labs:
        run_nbgrader(root, "generate_assignment", lab, "--force", capture=capture)
        for notebook in sorted((source / lab).glob("*.ipynb")):
            align_cell_ids(notebook, release / lab / notebook.name)
    return labs


# -- grading -------------------------------------------------------------------------------
def labs_in_gradebook(root: Path = ROOT) -> set[str]:
    """The labs whose notebooks (cells, points, tests) the gradebook knows."""
    from nbgrader.api import Gradebook

    coursedir = course_directory(root)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        return {a.name for a in gb.assignments if a.notebooks}


def sync_gradebook(root: Path = ROOT, labs: list[str] | None = None, *, capture: bool = True):
    """Record the current cells, points and tests of ``solutions/<lab>`` in the gradebook.

    This is ``generate_assignment`` again, with its student version written under
    ``grading/release/`` so that grading never touches ``labs/``. nbgrader refuses (and
    says so) when a lab that has submissions gained or lost graded cells.
    """
    labs = lab_names(root) if labs is None else labs
    for lab in labs:
        run_nbgrader(
            root,
            "generate_assignment",
            lab,
            "--force",
            f"--CourseDirectory.release_directory={GRADING_RELEASE}",
            capture=capture,
        )
    return labs


def autograde(
    root: Path = ROOT,
    labs: list[str] | None = None,
    *,
    student: str | None = None,
    env: dict[str, str] | None = None,
    sync: bool = False,
    capture: bool = True,
) -> list[str]:
    """Autograde every submission of each lab in ONE nbgrader call per lab.

    ``student`` limits the call to one student; ``env`` adds environment variables (the
    grading seed). With ``sync`` the gradebook first takes the tests of ``solutions/``
    (what ``make grade`` does); otherwise only labs it does not know yet.
    """
    found = submissions(root)
    labs = sorted(found) if labs is None else labs
    known = labs_in_gradebook(root)
    stale = labs if sync else [lab for lab in labs if lab not in known]
    if stale:
        sync_gradebook(root, stale, capture=capture)
    for lab in labs:
        args = ["autograde", lab, "--force"]
        if student is not None:
            args.append(f"--CourseDirectory.student_id={student}")
        run_nbgrader(root, *args, env=env, capture=capture)
    return labs


def generate_feedback(
    root: Path = ROOT,
    labs: list[str] | None = None,
    *,
    student: str | None = None,
    capture: bool = True,
) -> list[str]:
    """HTML feedback for every autograded lab (or ``labs``), under ``grading/feedback/``.

    ``student`` limits it to one student.
    """
    autograded = _step_dir(root, "autograded")
    if labs is None:
        labs = sorted(
            {
                lab.name
                for student in autograded.glob("*")
                for lab in student.glob("*")
                if lab.is_dir()
            }
        )
    for lab in labs:
        args = ["generate_feedback", lab, "--force"]
        if student is not None:
            args.append(f"--CourseDirectory.student_id={student}")
        run_nbgrader(root, *args, capture=capture)
    return labs


def scores(root: Path = ROOT) -> dict[tuple[str, str], tuple[float, float]]:
    """``{(student, lab): (points, max)}`` from the gradebook, for every graded submission."""
    from nbgrader.api import Gradebook

    coursedir = course_directory(root)
    table = {}
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                table[submission.student.id, assignment.name] = (
                    float(submission.score),
                    float(submission.max_score),
                )
    return table


def format_scores(table: dict[tuple[str, str], tuple[float, float]]) -> str:
    """The score table as text: one row per student, one column per lab."""
    if not table:
        return "no graded submissions yet (put them under grading/submitted/<student>/<lab>/)"
    students = sorted({s for s, _ in table})
    labs = sorted({lab for _, lab in table})
    width = max(len("student"), *(len(s) for s in students))
    cols = [max(len(lab), 11) for lab in labs]
    lines = [
        f"{'student':<{width}}  "
        + "  ".join(f"{lab:>{w}}" for lab, w in zip(labs, cols, strict=True))
    ]
    for student in students:
        cells = []
        for lab, w in zip(labs, cols, strict=True):
            if (student, lab) in table:
                points, top = table[student, lab]
                cells.append(f"{points:g}/{top:g}".rjust(w))
            else:
                cells.append("-".rjust(w))
        lines.append(f"{student:<{width}}  " + "  ".join(cells))
    return "\n".join(lines)


def _seed_note() -> str:
    if os.environ.get(SEED_VARIABLE, "").strip():
        return f"{SEED_VARIABLE} is set: hidden tests draw their cases from the class's seed."
    return (
        f"note: {SEED_VARIABLE} is not set, so the hidden tests use the public default seed,\n"
        f"which anyone can reproduce. Grade with a secret number instead:\n"
        f"    {SEED_VARIABLE}=<secret> make grade"
    )


# -- command line --------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["labs", "grade", "feedback", "scores"])
    parser.add_argument("--root", type=Path, default=ROOT, help="the course directory")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        if args.command == "labs":
            labs = generate_labs(root, capture=False)
            print(f"regenerated {len(labs)} lab(s) in labs/: {', '.join(labs) or 'none'}")
        elif args.command == "grade":
            print(_seed_note())
            labs = autograde(root, sync=True, capture=False)
            if not labs:
                print("nothing to grade under grading/submitted/<student>/<lab>/")
            print()
            print(format_scores(scores(root)))
        elif args.command == "feedback":
            labs = generate_feedback(root, capture=False)
            print(f"feedback for {', '.join(labs) or 'no lab'}: grading/feedback/<student>/<lab>/")
        else:
            print(format_scores(scores(root)))
    except NbgraderError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The instructors' nbgrader chores, behind `make labs`, `make grade`, `make feedback` and
`make secret`; and the self-learners' `make check`.

Students never need this file. Every command works on a course directory (by default this
repository; ``--root`` names another one, such as a private copy for a class), and runs
nbgrader with that directory's ``nbgrader_config.py``:

``labs``
    regenerate every student version ``labs/<lab>/`` from ``solutions/<lab>/`` (one
    ``nbgrader generate_assignment --force`` per lab), which also records the labs' cells,
    points and tests in the gradebook. Twice in a row, or in a fresh copy, it writes the
    same bytes: nbgrader puts no timestamp or path in a student version, and cell ids are
    copied from the source notebook in case nbformat ever invents random ones.
``grade``
    autograde everything under ``grading/submitted/<student>/<lab>/``, one submission at a
    time inside ONE Python process (nbgrader's start-up costs seconds; each submission
    then costs its own kernel). First the gradebook takes the current tests of
    ``solutions/`` (a test fixed after the release counts; ``labs/`` is left alone). A
    submission that cannot be graded (a renamed notebook, a file that is not a notebook,
    a kernel that died, a notebook past its time cap, metadata nbgrader refuses) is
    recorded as *not graded* with the reason, and the others are graded; the table says so.
    Answer code that reaches into the interpreter is flagged for review. The grading
    secret (``autograding.load_secret``) must be present and well formed, or nothing is
    graded. Quiet: one line per submission; nbgrader's log goes to ``grading/nbgrader.log``.
``feedback``
    ``nbgrader generate_feedback <lab> --force`` per autograded lab: HTML files under
    ``grading/feedback/<student>/<lab>/``.
``scores``
    print the score table again (student x lab, points/max, "not graded" with reasons).
``secret``
    create the grading secret file (``~/.config/censorsim/grading-secret``).
``check LAB [NOTEBOOK]``
    for self-learners: grade one's own notebook (``labs/<lab>/<lab>.ipynb`` by default)
    with the hidden tests of ``solutions/`` and a fresh random seed, in a temporary
    course, and print the points of each task with the hints of the failed checks (never
    the hidden tests' code).

nbgrader runs the program ``alembic`` by name when it creates a gradebook, so the
environment's ``bin/`` goes first on ``PATH`` for every nbgrader call.

Run: ``.venv/bin/python tools/nbgrader_tasks.py labs|grade|feedback|scores|secret [--root DIR]``
or ``... check LAB [NOTEBOOK]``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import functools
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import autograding  # noqa: E402  (tools/ is not a package)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GRADING_RELEASE = os.path.join("grading", "release")  # student versions made while grading
STATUS_FILE = "grading-status.json"  # under grading/: graded or not, and why, per submission
SELF_CHECK_STUDENT = "you"


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message holds its output."""


class GradingStopped(RuntimeError):
    """Grading cannot start (a missing or malformed secret...); the message says why."""


# -- the course directory ------------------------------------------------------------------
def load_config(root: Path = ROOT):
    """The traitlets configuration of ``root/nbgrader_config.py``."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()


def course_directory(root: Path = ROOT, config=None):
    """nbgrader's CourseDirectory as ``root/nbgrader_config.py`` configures it."""
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory(config=config if config is not None else load_config(root))


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
    """``{lab: [students]}`` for the folders ``grading/submitted/<student>/<lab>/`` of known
    labs (whatever they hold: a folder without the lab's notebook is "not graded")."""
    labs = set(lab_names(root))
    found: dict[str, list[str]] = {}
    submitted = _step_dir(root, "submitted")
    if not submitted.is_dir():
        return found
    for student in sorted(p for p in submitted.iterdir() if p.is_dir()):
        for lab in sorted(p for p in student.iterdir() if p.is_dir()):
            if lab.name in labs:
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

    ``env`` adds variables to the current environment.
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


@contextlib.contextmanager
def _nbgrader_log(root: Path):
    """A logger for nbgrader's converters run in this process: the file grading/nbgrader.log."""
    logger = logging.getLogger(f"censorsim.nbgrader.{id(root)}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    path = Path(root) / "grading" / "nbgrader.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("[%(asctime)s %(levelname)s] %(message)s"))
    logger.addHandler(handler)
    saved_path = os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join([str(BIN), saved_path])  # alembic, for a new gradebook
    try:
        yield logger
    finally:
        os.environ["PATH"] = saved_path
        logger.removeHandler(handler)
        handler.close()


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
@dataclass
class Outcome:
    """What became of one submission: graded (with its points) or not, and why."""

    student: str
    lab: str
    graded: bool
    points: float | None = None
    max_points: float | None = None
    reason: str | None = None
    flags: list[str] = field(default_factory=list)

    def cell(self) -> str:
        if not self.graded:
            return "not graded"
        return f"{self.points:g}/{self.max_points:g}"


def sync_gradebook(root: Path = ROOT, labs: list[str] | None = None, *, log=None):
    """Record the current cells, points and tests of ``solutions/<lab>`` in the gradebook.

    This is ``generate_assignment`` again (in this process), with its student version
    written under ``grading/release/`` so that grading never touches ``labs/``. nbgrader
    refuses (and says so) when a lab that has submissions gained or lost graded cells.
    """
    from nbgrader.converters import GenerateAssignment

    labs = lab_names(root) if labs is None else labs
    config = load_config(root)
    with contextlib.ExitStack() as stack:
        if log is None:
            log = stack.enter_context(_nbgrader_log(root))
        for lab in labs:
            coursedir = course_directory(root, config)
            coursedir.release_directory = GRADING_RELEASE
            coursedir.assignment_id = lab
            app = GenerateAssignment(coursedir=coursedir, config=config, log=log)
            app.force = True
            try:
                app.start()
            except Exception as error:
                raise NbgraderError(
                    f"recording {lab} in the gradebook failed ({error}); see grading/nbgrader.log"
                ) from error
    return labs


def _autograde_class():
    """nbgrader's Autograde, keeping the exception that stopped a submission."""
    from nbgrader.converters import Autograde

    class CourseAutograde(Autograde):
        failure: BaseException | None = None

        def init_assignment(self, assignment_id, student_id):
            try:
                super().init_assignment(assignment_id, student_id)
            except Exception as error:
                self.failure = error
                raise

        def convert_single_notebook(self, notebook_filename):
            try:
                super().convert_single_notebook(notebook_filename)
            except Exception as error:
                self.failure = error
                raise

    return CourseAutograde


def reason_for(error: BaseException) -> str:
    """A line for the score table: why nbgrader could not grade a submission."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    name = type(error).__name__
    if name == "NotGraded":  # autograding.NotGraded, however nbgrader_config.py loaded it
        return str(error)
    if name in ("NotJSONError", "JSONDecodeError", "ValidationError", "NBFormatError"):
        return f"not a valid notebook file ({text[:120]})"
    match = re.match(r"Inconsistent checksums for cell (\S+)", text)
    if match:
        return (
            f"the nbgrader metadata of cell {match.group(1)} was changed (a test cell made "
            "an answer cell, or the like): grade it by hand"
        )
    if isinstance(error, KeyError):
        return (
            f"cells nbgrader cannot put back are missing ({text}): an answer cell was deleted "
            "together with the test cell after it; grade it by hand"
        )
    if name in ("SchemaTooOldError", "SchemaTooNewError"):
        return f"the notebook's nbgrader metadata has another version ({name}): grade it by hand"
    return f"nbgrader stopped: {name}: {text[:200]}"


def _ensure_submission_files(folder: Path) -> None:
    """Files nbgrader's exchange writes on submit, for submissions placed by hand.

    ``timestamp.txt`` (the notebooks' modification time, as nbgrader writes it) and
    ``submission_secret.txt``: ``nbgrader release_feedback`` needs both.
    """
    stamp = folder / "timestamp.txt"
    if not stamp.exists():
        notebooks = list(folder.glob("*.ipynb")) or [folder]
        mtime = max(p.stat().st_mtime for p in notebooks)
        when = datetime.datetime.fromtimestamp(mtime, datetime.UTC)
        stamp.write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
    secret = folder / "submission_secret.txt"
    if not secret.exists():
        secret.write_text(secrets.token_hex(64))


def _precheck(folder: Path, expected: list[str]) -> str | None:
    """Why a submission cannot be graded before nbgrader even opens it, or None."""
    import nbformat

    present = sorted(p.name for p in folder.glob("*.ipynb"))
    missing = [name for name in expected if name not in present]
    if missing:
        held = ", ".join(present) or "no notebook"
        return f"no {', '.join(missing)} in the submission (it holds {held}): renamed?"
    for name in expected:
        try:
            with open(folder / name, encoding="utf-8") as f:
                nbformat.read(f, as_version=4)
        except Exception as error:  # noqa: BLE001 - any way a file is not a notebook
            return reason_for(error)
    return None


def _flags(folder: Path, expected: list[str]) -> list[str]:
    """``cell: why`` for answer code that reaches into the interpreter (review by hand)."""
    import nbformat

    found = []
    for name in expected:
        nb = nbformat.read(folder / name, as_version=4)
        for i, cell in enumerate(nb.cells):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.cell_type != "code" or (meta.get("grade") and not meta.get("solution")):
                continue  # test cells are put back from the gradebook
            where = meta.get("grade_id") or f"cell {i + 1}"
            found += [f"{where} {why}" for why in autograding.suspicious_code(cell.source)]
    return found


def _points(root: Path, config, student: str, lab: str) -> tuple[float, float]:
    from nbgrader.api import Gradebook

    coursedir = course_directory(root, config)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        submission = gb.find_submission(lab, student)
        return float(submission.score), float(submission.max_score)


def _log_warning(log, message, category, filename, lineno, file=None, line=None):
    log.warning("%s: %s (%s:%s)", category.__name__, message, filename, lineno)


def grade_submission(root: Path, config, lab: str, student: str, log) -> Outcome:
    """Autograde one submission in this process; never raises for a bad submission."""
    coursedir = course_directory(root, config)
    folder = Path(coursedir.format_path(coursedir.submitted_directory, student, lab))
    expected = sorted(p.name for p in (_step_dir(root, "source") / lab).glob("*.ipynb"))
    _ensure_submission_files(folder)
    problem = _precheck(folder, expected)
    if problem is not None:
        return Outcome(student, lab, graded=False, reason=problem)
    flags = _flags(folder, expected)
    coursedir.assignment_id, coursedir.student_id = lab, student
    app = _autograde_class()(coursedir=coursedir, config=config, log=log)
    app.force = True
    app.create_student = True
    try:
        app.start()
    except Exception as error:  # noqa: BLE001 - nbgrader's summary; the cause is app.failure
        return Outcome(student, lab, False, reason=reason_for(app.failure or error), flags=flags)
    points, top = _points(root, config, student, lab)
    return Outcome(student, lab, True, points, top, flags=flags)


def autograde(
    root: Path = ROOT,
    labs: list[str] | None = None,
    *,
    students: list[str] | None = None,
    sync: bool = False,
    progress=None,
) -> dict[tuple[str, str], Outcome]:
    """Autograde the submissions of each lab, one at a time, in this process.

    ``students`` limits it to some students. With ``sync`` the gradebook first takes the
    tests of ``solutions/`` (what ``make grade`` does); otherwise only labs it does not
    know yet. ``progress(outcome)`` is called after each submission. Raises GradingStopped
    (and grades nothing) when the grading secret is missing or malformed, or when the
    sandbox is required but cannot run.
    """
    root = Path(root).resolve()
    secret = autograding.load_secret(root)
    if secret.problem is not None:
        raise GradingStopped(secret.problem)
    config = load_config(root)
    mode = sandbox_mode(config)
    works, why = autograding.bubblewrap_status()
    if mode == "bubblewrap" and not works:
        raise GradingStopped(f"CourseExecute.sandbox = 'bubblewrap', but {why}")
    found = submissions(root)
    labs = sorted(found) if labs is None else labs
    outcomes: dict[tuple[str, str], Outcome] = {}
    with _nbgrader_log(root) as log, warnings.catch_warnings():
        # Quiet: warnings go to the log file (nbformat's about restored cells without ids,
        # SQLAlchemy's when a submission fails half-way...), not to the instructor's screen.
        warnings.simplefilter("default")
        warnings.showwarning = functools.partial(_log_warning, log)
        known = labs_in_gradebook(root)
        stale = [lab for lab in labs if sync or lab not in known]
        if stale:
            sync_gradebook(root, stale, log=log)
        for lab in labs:
            for student in found.get(lab, []):
                if students is not None and student not in students:
                    continue
                outcome = grade_submission(root, config, lab, student, log)
                outcomes[student, lab] = outcome
                if progress is not None:
                    progress(outcome)
    _record(root, outcomes)
    return outcomes


def labs_in_gradebook(root: Path = ROOT) -> set[str]:
    """The labs whose notebooks (cells, points, tests) the gradebook knows."""
    from nbgrader.api import Gradebook

    coursedir = course_directory(root)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        return {a.name for a in gb.assignments if a.notebooks}


def sandbox_mode(config) -> str:
    """``c.CourseExecute.sandbox`` of a course's configuration ("auto" when unset)."""
    return config.CourseExecute.get("sandbox", "auto") if "CourseExecute" in config else "auto"


def sandbox_note(root: Path = ROOT) -> str:
    """One line for the grader: whether submissions run in the sandbox."""
    mode = sandbox_mode(load_config(root))
    works, why = autograding.bubblewrap_status()
    if mode == "off":
        return "sandbox: OFF (CourseExecute.sandbox = 'off'): student code runs with your rights"
    if works:
        return f"sandbox: on ({why}): each submission sees only itself, no network"
    return (
        f"sandbox: OFF, {why}: student code runs with your rights and can read solutions/ "
        "and the gradebook. Install bubblewrap (README, instructors' section)."
    )


# -- the record of what was graded -----------------------------------------------------------
def _status_path(root: Path) -> Path:
    return Path(root) / "grading" / STATUS_FILE


def _load_status(root: Path) -> dict:
    try:
        return json.loads(_status_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _record(root: Path, outcomes: dict[tuple[str, str], Outcome]) -> None:
    status = _load_status(root)
    for (student, lab), outcome in outcomes.items():
        status.setdefault(lab, {})[student] = {
            "graded": outcome.graded,
            "reason": outcome.reason,
            "flags": outcome.flags,
        }
    path = _status_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(status, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def outcomes(root: Path = ROOT) -> dict[tuple[str, str], Outcome]:
    """Every submission still under ``grading/submitted/``: its points, or why not graded.

    Points come from the gradebook; "not graded" and the review flags from the record of
    the last ``make grade``. A submission whose folder is gone has no row.
    """
    from nbgrader.api import Gradebook

    root = Path(root).resolve()
    present = {(s, lab) for lab, students in submissions(root).items() for s in students}
    status = _load_status(root)
    table: dict[tuple[str, str], Outcome] = {}
    coursedir = course_directory(root)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                key = (submission.student.id, assignment.name)
                if key not in present:
                    continue
                record = status.get(assignment.name, {}).get(submission.student.id, {})
                table[key] = Outcome(
                    *key,
                    graded=record.get("graded", True),
                    points=float(submission.score),
                    max_points=float(submission.max_score),
                    reason=record.get("reason"),
                    flags=record.get("flags", []),
                )
    for lab, students in status.items():  # not graded before nbgrader knew the student
        for student, record in students.items():
            if (student, lab) in present and (student, lab) not in table:
                table[student, lab] = Outcome(
                    student, lab, False, reason=record.get("reason"), flags=record.get("flags", [])
                )
    return table


def scores(root: Path = ROOT) -> dict[tuple[str, str], tuple[float, float]]:
    """``{(student, lab): (points, max)}`` for every graded submission still present."""
    return {key: (o.points, o.max_points) for key, o in outcomes(root).items() if o.graded}


def format_scores(table: dict[tuple[str, str], Outcome]) -> str:
    """The score table as text: one row per student, one column per lab, then the reasons
    for "not graded" and the answers to read by hand."""
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
            outcome = table.get((student, lab))
            cells.append((outcome.cell() if outcome else "-").rjust(w))
        lines.append(f"{student:<{width}}  " + "  ".join(cells))
    not_graded = [o for o in table.values() if not o.graded]
    if not_graded:
        lines += ["", "not graded:"]
        lines += [f"  {o.student}, {o.lab}: {o.reason}" for o in sorted(not_graded, key=_key)]
    flagged = [o for o in table.values() if o.flags]
    if flagged:
        lines += ["", "read by hand (answer code that reaches into the interpreter):"]
        for o in sorted(flagged, key=_key):
            shown = "; ".join(o.flags[:4]) + ("; ..." if len(o.flags) > 4 else "")
            lines.append(f"  {o.student}, {o.lab}: {shown}")
    return "\n".join(lines)


def _key(outcome: Outcome) -> tuple[str, str]:
    return outcome.student, outcome.lab


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


# -- self-check --------------------------------------------------------------------------------
def _tasks_of(nb) -> list[tuple[str, list]]:
    """``[(task name, [grade cells])]``: each answer cell and the test cells after it."""
    found: list[tuple[str, list]] = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            match = re.search(r"^def (\w+)", cell.source, flags=re.M)
            found.append((match.group(1) if match else meta["grade_id"], []))
        elif meta.get("grade") and found:
            found[-1][1].append(cell)
    return found


def _failure_text(cell) -> str:
    """The message of a failed test cell (its assertion's ✘ lines and hints), no code."""
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            if output.ename == "NotImplementedError":
                return "not answered yet: the answer cell still raises NotImplementedError"
            if output.ename == "AssertionError":
                return output.evalue
            return f"{output.ename}: {output.evalue}"
        if output.output_type == "stream" and output.name == "stderr":
            return "the cell wrote to stderr"
    return ""


def self_check(
    lab: str, notebook: Path, *, root: Path = ROOT, out=print, sandbox: str | None = None
) -> Outcome:
    """Grade ``notebook`` as the course grades ``lab``, with a fresh random seed; print points
    per task and the hints of the checks that failed. Works in a temporary course."""
    import nbformat
    from nbgrader.utils import determine_grade

    notebook = Path(notebook).resolve()
    if lab not in lab_names(root):
        raise GradingStopped(f"no lab {lab!r}: labs are {', '.join(lab_names(root))}")
    if not notebook.is_file():
        raise GradingStopped(f"{notebook} does not exist: which notebook shall I check?")
    with tempfile.TemporaryDirectory(prefix="censorsim-check-") as tmp:
        course = Path(tmp) / "course"
        (course / "solutions").mkdir(parents=True)
        shutil.copytree(root / "solutions" / lab, course / "solutions" / lab)
        shutil.copytree(root / "tools", course / "tools", ignore=shutil.ignore_patterns("__py*"))
        config = (root / "nbgrader_config.py").read_text()
        if sandbox is not None:
            config += f"\nc.CourseExecute.sandbox = {sandbox!r}\n"
        (course / "nbgrader_config.py").write_text(config)
        folder = course / "grading" / "submitted" / SELF_CHECK_STUDENT / lab
        folder.mkdir(parents=True)
        shutil.copy(notebook, folder / f"{lab}.ipynb")
        secret = secrets.token_urlsafe(32)  # a fresh one: other cases every time
        with autograding.using_secret(secret):
            outcome = autograde(course, [lab])[SELF_CHECK_STUDENT, lab]
        seed = autograding.student_seed(secret, SELF_CHECK_STUDENT)
        out(f"{lab}: {notebook}")
        out(f"hidden tests with a fresh random seed, {seed} (each run draws other cases)\n")
        if not outcome.graded:
            out(f"not graded: {outcome.reason}")
            return outcome
        graded = course / "grading" / "autograded" / SELF_CHECK_STUDENT / lab / f"{lab}.ipynb"
        nb = nbformat.read(graded, as_version=4)
        for number, (name, cells) in enumerate(_tasks_of(nb), start=1):
            got = top = 0.0
            failures = []
            for cell in cells:
                points, most = determine_grade(cell)
                got, top = got + (points or 0), top + most
                if (points or 0) < most and _failure_text(cell) not in failures:
                    failures.append(_failure_text(cell))
            mark = "✔" if got == top else "✘"
            out(f"{mark} task {number} ({name}): {got:g}/{top:g}")
            for text in failures:
                for line in text.strip().splitlines()[:12]:
                    out(f"    {line}")
        out(f"\ntotal: {outcome.points:g}/{outcome.max_points:g}")
        return outcome


# -- command line --------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "command", choices=["labs", "grade", "feedback", "scores", "secret", "check"]
    )
    parser.add_argument("args", nargs="*", help="check: LAB [NOTEBOOK]")
    parser.add_argument("--root", type=Path, default=ROOT, help="the course directory")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        if args.command == "labs":
            labs = generate_labs(root, capture=False)
            print(f"regenerated {len(labs)} lab(s) in labs/: {', '.join(labs) or 'none'}")
        elif args.command == "grade":
            print(sandbox_note(root))

            def progress(outcome: Outcome) -> None:
                text = outcome.cell() if outcome.graded else f"not graded: {outcome.reason}"
                print(f"  {outcome.lab}  {outcome.student}: {text}", flush=True)

            if not autograde(root, sync=True, progress=progress):
                print("nothing to grade under grading/submitted/<student>/<lab>/")
            print()
            print(format_scores(outcomes(root)))
        elif args.command == "feedback":
            labs = generate_feedback(root, capture=False)
            print(f"feedback for {', '.join(labs) or 'no lab'}: grading/feedback/<student>/<lab>/")
        elif args.command == "scores":
            print(format_scores(outcomes(root)))
        elif args.command == "secret":
            path = autograding.write_secret()
            print(f"wrote a new grading secret to {path} (mode 600); keep it for the whole term")
        else:
            if not args.args:
                raise GradingStopped("say which lab: make check LAB=lab01-dns")
            lab = args.args[0]
            notebook = (
                Path(args.args[1]) if len(args.args) > 1 else root / "labs" / lab / f"{lab}.ipynb"
            )
            self_check(lab, notebook, root=root)
    except (NbgraderError, GradingStopped, FileExistsError) as error:
        print(error, file=sys.stderr)
        return 2 if isinstance(error, GradingStopped) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Helpers for the nbgrader tests and the grading benchmark: temporary courses, submissions.

A temporary course is a folder with copies of the repository's ``nbgrader_config.py`` and
``solutions/``; nbgrader then works in it exactly as in the repository (the config finds
its own folder), and nothing touches the repository's ``labs/`` or ``grading/``. The
commands are those of ``tools/nbgrader_tasks.py`` (``make labs``, ``make grade``).
"""

from __future__ import annotations

import copy
import re
import shutil
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

import autograding  # noqa: E402  (tools/ is not a package)
import nbgrader_tasks as tasks  # noqa: E402

__all__ = [
    "REPO",
    "tasks",
    "autograding",
    "grading_secret",
    "lab_names",
    "lab_notebooks",
    "make_course",
    "read",
    "submit",
    "nbgrader_meta",
    "grade_cells",
    "max_points",
    "tamper_tests",
    "delete_cell",
    "loop_answer",
    "warn_on_call",
    "points_of_answer",
]


def lab_names() -> list[str]:
    """The labs of the repository: every folder of ``solutions/`` that holds a notebook."""
    return tasks.lab_names(REPO)


def lab_notebooks(root: Path, step: str, lab: str) -> list[Path]:
    """The notebooks of ``lab`` in ``root/solutions`` (step "source") or ``root/labs`` ("release")."""
    folder = {"source": "solutions", "release": "labs"}[step]
    return sorted((root / folder / lab).glob("*.ipynb"))


def make_course(
    dest: Path,
    *,
    timeout: int | None = None,
    notebook_timeout: int | None = None,
    sandbox: str | None = None,
) -> Path:
    """A course folder at ``dest`` with the repository's config, tools and solutions.

    ``timeout`` replaces the per-cell execution timeout (seconds), to test endless loops
    without waiting a minute; ``notebook_timeout`` the cap for a whole notebook;
    ``sandbox`` the sandbox mode ("auto", "bubblewrap", "off").
    """
    dest.mkdir(parents=True, exist_ok=True)
    config = (REPO / "nbgrader_config.py").read_text() + "\n# test course\n"
    if timeout is not None:
        config += f"c.Execute.timeout = {int(timeout)}\n"
    if notebook_timeout is not None:
        config += f"c.CourseExecute.notebook_timeout = {int(notebook_timeout)}\n"
    if sandbox is not None:
        config += f"c.CourseExecute.sandbox = {sandbox!r}\n"
    (dest / "nbgrader_config.py").write_text(config)
    shutil.copytree(REPO / "solutions", dest / "solutions")
    shutil.copytree(REPO / "tools", dest / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def grading_secret(value: str | None):
    """The course's grading secret is ``value`` (None: no secret at all) inside the block."""
    return autograding.using_secret(value)


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def submit(root: Path, student: str, lab: str, notebooks: dict[str, nbformat.NotebookNode]):
    """Hand in ``{file name: notebook}`` as ``student``: grading/submitted/<student>/<lab>/."""
    folder = root / "grading" / "submitted" / student / lab
    folder.mkdir(parents=True, exist_ok=True)
    for name, nb in notebooks.items():
        nbformat.write(nb, folder / name)
    return folder


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_cells(nb) -> list:
    """The grade cells (autograded tests) of a notebook, in order."""
    return [cell for cell in nb.cells if nbgrader_meta(cell).get("grade")]


def max_points(nb) -> float:
    return float(sum(nbgrader_meta(cell)["points"] for cell in grade_cells(nb)))


def tamper_tests(nb):
    """A copy whose every locked test cell was edited to ``pass``."""
    nb = copy.deepcopy(nb)
    for cell in grade_cells(nb):
        if cell.cell_type == "code" and nbgrader_meta(cell).get("locked"):
            cell.source = "pass"
    return nb


def delete_cell(nb, grade_id: str):
    """A copy without the cell ``grade_id``."""
    nb = copy.deepcopy(nb)
    nb.cells = [cell for cell in nb.cells if nbgrader_meta(cell).get("grade_id") != grade_id]
    return nb


def loop_answer(nb, grade_id: str):
    """A copy whose answer cell ``grade_id`` loops forever."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade_id") == grade_id:
            cell.source = "while True:\n    pass"
    return nb


def warn_on_call(nb, grade_id: str):
    """A copy whose answer cell ``grade_id`` makes its functions warn on stderr when called.

    As a library might after an update: the warnings then appear in the test cells.
    """
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade_id") == grade_id:
            names = re.findall(r"^def (\w+)", cell.source, flags=re.M)
            cell.source += (
                "\n\n\nimport functools as _functools\nimport warnings as _warnings\n\n"
                "_warnings.simplefilter('always')\n\n\n"
                "def _noisy(function):\n"
                "    @_functools.wraps(function)\n"
                "    def noisy(*args, **kwargs):\n"
                "        _warnings.warn('a stray warning from some library', UserWarning)\n"
                "        return function(*args, **kwargs)\n\n"
                "    return noisy\n\n\n"
            ) + "".join(f"{name} = _noisy({name})\n" for name in names)
    return nb


def points_of_answer(nb, grade_id: str) -> float:
    """The points of the test cells that follow answer cell ``grade_id``, up to the next answer.

    The labs put each task's tests right after its answer cell (DESIGN.md, section 5).
    """
    points, inside = 0.0, False
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            inside = meta.get("grade_id") == grade_id
        elif inside and meta.get("grade"):
            points += float(meta["points"])
    return points

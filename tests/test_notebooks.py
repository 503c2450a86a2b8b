"""The notebooks: committed clean (no outputs, nbgrader metadata intact), and every lesson and
solution runs top to bottom without an error and without a word on stderr.

"Clean" is what the pre-commit hook (nbstripout --keep-id, .pre-commit-config.yaml) leaves: no
outputs, no execution counts, none of the cell metadata nbstripout removes, and the nbgrader
metadata kept. The check is pure Python (nbstripout need not be installed); when nbstripout is
installed, a test checks that the two agree.

Notebooks run in a copy of their folder under tmp_path, with the kernel of the Python running
the tests, so nothing is written into the repository. Execution times are printed at the end
of the run (a hang guard stops a notebook that runs far too long; speed targets are
benchmarks/bench_notebooks.py's business, not asserted here).
"""

from __future__ import annotations

import asyncio
import copy
import json
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
# nbstripout's default keys (nbstripout 0.9, _nbstripout.py), which the hook removes
NBSTRIPOUT_KEYS = (
    "metadata.signature",
    "metadata.widgets",
    "cell.metadata.collapsed",
    "cell.metadata.ExecuteTime",
    "cell.metadata.execution",
    "cell.metadata.heading_collapsed",
    "cell.metadata.hidden",
    "cell.metadata.scrolled",
)
HANG_GUARD = 300.0  # seconds for one notebook; a guard against hangs, not a speed target


def notebooks(*folders: str) -> list[Path]:
    """The notebooks present in these folders (recursively), outside checkpoint folders,
    plus any that git tracks there."""
    found = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.ipynb"):
            if ".ipynb_checkpoints" not in path.parts:
                found.add(path)
    if shutil.which("git") and (ROOT / ".git").exists():
        tracked = subprocess.run(
            ["git", "ls-files", "-z", "--", *(f"{f}/*.ipynb" for f in folders)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        found.update(ROOT / p for p in tracked.split("\0") if p)
    return sorted(found)


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# -- the hygiene check -----------------------------------------------------------------------
def _has_key(d: dict, dotted: str) -> bool:
    head, _, tail = dotted.partition(".")
    if head not in d:
        return False
    return not tail or (isinstance(d[head], dict) and _has_key(d[head], tail))


def nbgrader_problems(cells: list[dict], release: bool) -> list[str]:
    """nbgrader metadata on a source (solutions/) or release (labs/) notebook."""
    problems = []
    ids: dict[str, int] = {}
    graded_points = 0.0
    for i, cell in enumerate(cells):
        meta = cell.get("metadata", {}).get("nbgrader")
        source = "".join(cell.get("source", ""))
        where = f"cell {i}"
        if "### BEGIN SOLUTION" in source and not (meta or {}).get("solution"):
            problems.append(f"{where} has '### BEGIN SOLUTION' but is not a solution cell")
        if "### BEGIN HIDDEN TESTS" in source and not (
            (meta or {}).get("grade") and (meta or {}).get("locked")
        ):
            problems.append(f"{where} has '### BEGIN HIDDEN TESTS' but is not a locked grade cell")
        if release and ("### BEGIN SOLUTION" in source or "### BEGIN HIDDEN TESTS" in source):
            problems.append(f"{where} of a student version still holds solutions or hidden tests")
        if meta is None:
            continue
        if meta.get("schema_version") != 3:
            problems.append(
                f"{where}: nbgrader schema_version {meta.get('schema_version')!r}, not 3"
            )
        grade_id = meta.get("grade_id")
        if not grade_id:
            problems.append(f"{where}: nbgrader metadata without a grade_id")
        elif grade_id in ids:
            problems.append(f"{where}: grade_id {grade_id!r} is also cell {ids[grade_id]}'s")
        else:
            ids[grade_id] = i
        if meta.get("grade"):
            points = meta.get("points")
            if not isinstance(points, int | float) or points <= 0:
                problems.append(f"{where}: grade cell {grade_id!r} without positive points")
            else:
                graded_points += points
            if (
                cell.get("cell_type") == "code"
                and not meta.get("solution")
                and not meta.get("locked")
            ):
                problems.append(f"{where}: test cell {grade_id!r} is not locked")
    if graded_points == 0:
        problems.append("no grade cell with points: nbgrader metadata is missing")
    return problems


def hygiene_problems(text: str, graded: bool = False, release: bool = False) -> list[str]:
    """Why a notebook (its file's text) is not fit to commit; [] when it is."""
    try:
        nb = nbformat.from_dict(json.loads(text))
    except ValueError as e:  # not JSON
        return [f"not a readable notebook: {e}"]
    problems = []
    with warnings.catch_warnings():  # nbformat warns, and repairs, where we report
        warnings.simplefilter("ignore")
        try:
            nbformat.validate(copy.deepcopy(nb))
        except nbformat.ValidationError as e:
            problems.append(f"invalid nbformat: {e.message}")
    if nb.get("nbformat") != 4:
        problems.append(f"nbformat {nb.get('nbformat')}, not 4")
    seen_ids: dict[str, int] = {}
    for i, cell in enumerate(nb.get("cells", [])):
        if "id" in cell and cell["id"] in seen_ids:
            problems.append(f"cell {i}: id {cell['id']!r} is also cell {seen_ids[cell['id']]}'s")
        seen_ids.setdefault(cell.get("id"), i)
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name")
    if kernel != "python3":
        problems.append(f"kernelspec {kernel!r}, not 'python3'")
    for key in NBSTRIPOUT_KEYS:
        if key.startswith("metadata.") and _has_key(nb, key):
            problems.append(f"notebook {key} is set (nbstripout removes it)")
    cells = nb.get("cells", [])
    for i, cell in enumerate(cells):
        if cell.get("cell_type") == "code":
            if cell.get("outputs"):
                problems.append(f"cell {i} has {len(cell['outputs'])} outputs")
            if cell.get("execution_count") is not None:
                problems.append(f"cell {i} has execution_count {cell['execution_count']}")
        for key in NBSTRIPOUT_KEYS:
            if key.startswith("cell.") and _has_key(cell, key[len("cell.") :]):
                problems.append(f"cell {i} has {key[len('cell.') :]} (nbstripout removes it)")
    if graded:
        problems += nbgrader_problems(cells, release)
    return problems


def strip(nb: dict) -> dict:
    """What the pre-commit hook does to a notebook: nbstripout --keep-id, in pure Python."""
    nb = copy.deepcopy(nb)
    for key in NBSTRIPOUT_KEYS:
        namespace, _, dotted = key.partition(".")
        targets = [nb] if namespace == "metadata" else nb.get("cells", [])
        if namespace == "metadata":
            dotted = key
        for target in targets:
            *path, last = dotted.split(".")
            for part in path:
                target = target.get(part, {}) if isinstance(target, dict) else {}
            if isinstance(target, dict):
                target.pop(last, None)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return nb


# -- notebooks made up to test the check -------------------------------------------------------
def graded_cell(kind: str, source: str, **nbgrader) -> dict:
    meta = {"schema_version": 3, "grade": False, "solution": False, "locked": False, **nbgrader}
    cell = (nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell)(source)
    cell.metadata["nbgrader"] = meta
    return cell


def lab_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Lab"),
        graded_cell(
            "code",
            "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION",
            solution=True,
            grade_id="f",
        ),
        graded_cell(
            "code",
            '"""Check that f returns 1"""\nassert f() == 1\n### BEGIN HIDDEN TESTS\n'
            "assert f() + 1 == 2\n### END HIDDEN TESTS",
            grade=True,
            locked=True,
            points=2,
            grade_id="f_returns_1",
        ),
    ]
    return nb


def test_hygiene_check_accepts_a_clean_lab_and_rejects_dirty_ones():
    good = lab_notebook()
    assert hygiene_problems(nbformat.writes(good), graded=True) == []

    run = copy.deepcopy(good)  # executed and saved with outputs
    run.cells[1].execution_count = 3
    run.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="ok\n")]
    run.cells[2].metadata["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
    assert hygiene_problems(nbformat.writes(run), graded=True) == [
        "cell 1 has execution_count 3",
        "cell 2 has 1 outputs",
        "cell 2 has metadata.execution (nbstripout removes it)",
    ]
    assert hygiene_problems(nbformat.writes(strip(run)), graded=True) == []

    bare = copy.deepcopy(good)  # nbgrader metadata lost (e.g. pasted into a new notebook)
    for cell in bare.cells:
        cell.metadata.pop("nbgrader", None)
    assert hygiene_problems(nbformat.writes(bare), graded=True) == [
        "cell 1 has '### BEGIN SOLUTION' but is not a solution cell",
        "cell 2 has '### BEGIN HIDDEN TESTS' but is not a locked grade cell",
        "no grade cell with points: nbgrader metadata is missing",
    ]

    copied = copy.deepcopy(good)  # a test cell copied: duplicate ids, unlocked, v1 schema
    copied.cells.append(copy.deepcopy(copied.cells[2]))
    copied.cells[3].metadata.nbgrader.update(locked=False, schema_version=1)
    assert hygiene_problems(json.dumps(copied), graded=True) == [
        f"cell 3: id {copied.cells[2].id!r} is also cell 2's",
        "cell 3 has '### BEGIN HIDDEN TESTS' but is not a locked grade cell",
        "cell 3: nbgrader schema_version 1, not 3",
        "cell 3: grade_id 'f_returns_1' is also cell 2's",
        "cell 3: test cell 'f_returns_1' is not locked",
    ]
    assert hygiene_problems(nbformat.writes(good), graded=True, release=True) == [
        "cell 1 of a student version still holds solutions or hidden tests",
        "cell 2 of a student version still holds solutions or hidden tests",
    ]

    invalid = json.loads(nbformat.writes(good))
    invalid["cells"][0]["cell_type"] = "heading"
    assert any(p.startswith("invalid nbformat") for p in hygiene_problems(json.dumps(invalid)))
    assert hygiene_problems("{not json")[0].startswith("not a readable notebook")


def test_committed_notebooks_are_clean():
    problems = {}
    for folder, graded, release in (
        ("lessons", False, False),
        ("solutions", True, False),
        ("labs", True, True),
    ):
        for path in notebooks(folder):
            if not path.exists():
                problems[rel(path)] = ["tracked by git but missing"]
                continue
            found = hygiene_problems(path.read_text(encoding="utf-8"), graded, release)
            if found:
                problems[rel(path)] = found
    assert problems == {}, "\n" + "\n".join(
        f"{path}:\n  " + "\n  ".join(found) for path, found in problems.items()
    )


def test_pure_python_strip_agrees_with_nbstripout():
    """Our strip() does what nbstripout --keep-id does, and both keep nbgrader's metadata."""
    _utils = pytest.importorskip("nbstripout._utils", reason="nbstripout is not installed")
    nb = lab_notebook()
    nb.metadata["widgets"] = {"state": {}}
    nb.cells[1].execution_count = 7
    nb.cells[1].outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "1"})]
    nb.cells[2].metadata["scrolled"] = True
    nb.cells[2].metadata["tags"] = ["keep-me"]
    theirs = _utils.strip_output(
        copy.deepcopy(nb), keep_output=False, keep_count=False, keep_id=True,
        extra_keys=list(NBSTRIPOUT_KEYS),
    )  # fmt: skip
    assert json.loads(nbformat.writes(theirs)) == json.loads(nbformat.writes(strip(nb)))
    assert theirs.cells[2].metadata["nbgrader"]["grade_id"] == "f_returns_1"
    assert theirs.cells[2].metadata["tags"] == ["keep-me"]


def test_notebooks_pass_ruff():
    """The notebooks follow the same lint and format rules as the package (pyproject.toml)."""
    files = [rel(p) for p in notebooks("lessons", "solutions", "labs") if p.exists()]
    if not files:
        pytest.skip("no notebooks yet")
    for args in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        run = subprocess.run(
            [sys.executable, "-m", "ruff", *args, *files],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.returncode == 0, f"ruff {' '.join(args)}:\n{run.stdout}{run.stderr}"


# -- execution -------------------------------------------------------------------------------
EXECUTED = notebooks("lessons", "solutions")


class _TimingReport:
    """Prints the execution times in pytest's terminal summary."""

    def __init__(self):
        self.times: dict[str, float] = {}

    def pytest_terminal_summary(self, terminalreporter):
        if self.times:
            terminalreporter.section("notebook execution times (nbclient)")
            for path, seconds in sorted(self.times.items()):
                terminalreporter.write_line(f"{path:50} {seconds:6.1f} s")


@pytest.fixture(scope="session")
def timing_report(request):
    report = _TimingReport()
    request.config.pluginmanager.register(report, "censorsim-notebook-times")
    return report


def python3_kernel_manager(tmp_path: Path):
    """A kernel manager whose only 'python3' kernel is the Python running the tests."""
    from ipykernel.kernelspec import get_kernel_dict
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    spec_dir = tmp_path / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    # ipykernel's spec for this interpreter (argv[0] = sys.executable), metadata included
    (spec_dir / "kernel.json").write_text(json.dumps(get_kernel_dict()))
    specs = KernelSpecManager(kernel_dirs=[str(spec_dir.parent)], ensure_native_kernel=False)
    # where jupyter_client can, it gives the kernel CurveZMQ keys (without them the kernel
    # warns on its stderr that it runs over TCP without encryption)
    encryption = "transport_encryption" in AsyncKernelManager.class_traits()
    return AsyncKernelManager(
        kernel_name="python3",
        kernel_spec_manager=specs,
        **({"transport_encryption": "auto"} if encryption else {}),
    )


def execute_copy(path: Path, tmp_path: Path) -> tuple[nbformat.NotebookNode, float]:
    """Run a copy of ``path`` in a copy of its folder; return the executed notebook, seconds."""
    from nbclient import NotebookClient

    workdir = tmp_path / "work" / path.parent.name
    shutil.copytree(
        path.parent,
        workdir,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "captures", "__pycache__"),
    )
    nb = nbformat.read(workdir / path.name, as_version=4)
    # one last cell reports which Python ran the notebook
    nb.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.executable)"))
    client = NotebookClient(
        nb,
        km=python3_kernel_manager(tmp_path),
        timeout=HANG_GUARD,
        resources={"metadata": {"path": str(workdir)}},
    )
    t0 = time.perf_counter()
    asyncio.run(asyncio.wait_for(client.async_execute(), HANG_GUARD))
    return nb, time.perf_counter() - t0


@pytest.mark.slow
@pytest.mark.parametrize("path", EXECUTED, ids=rel)
def test_notebook_executes(path, tmp_path, timing_report, record_property):
    before = sorted(p.relative_to(ROOT) for p in path.parent.rglob("*"))
    nb, seconds = execute_copy(path, tmp_path)
    timing_report.times[rel(path)] = seconds
    record_property("execution_seconds", round(seconds, 2))
    print(f"{rel(path)} executed in {seconds:.1f} s")
    stderr = [
        f"cell {i}: {''.join(out.get('text', ''))!r}"
        for i, cell in enumerate(nb.cells)
        for out in cell.get("outputs", [])
        if out.get("output_type") == "stream" and out.get("name") == "stderr"
    ]
    assert stderr == [], "the notebook wrote to stderr (warnings?):\n" + "\n".join(stderr)
    last = "".join(out.get("text", "") for out in nb.cells[-1].outputs).strip()
    assert Path(last) == Path(sys.executable), f"the kernel ran {last}, not {sys.executable}"
    after = sorted(p.relative_to(ROOT) for p in path.parent.rglob("*"))
    assert after == before, "running the notebook wrote into the repository"

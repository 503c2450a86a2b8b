"""The student distribution (`make student-dist`, issue 15) holds what students need and
nothing of the answers.

It is built the way an instructor builds it: from a private copy of the course with a
``grading/`` folder full of submissions and a gradebook, and the grading secret in the
environment and in the secret file. Then every file of it is read (the files inside the
wheel and the archive's members too) and searched for each line of the answers and hidden
tests of ``solutions/``, for the mutants' lines, and for the secrets. A copy with one leak
put in shows that the search finds leaks where they hide.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
SECRET = "canary-grading-secret-of-the-term-0123456789abcdef"
FILE_SECRET = "canary-secret-file-of-the-instructor-9876543210"
GRADEBOOK = "canary-row-of-the-gradebook-5551212"
SUBMISSION = "canary_answer_of_a_student_4242()"
FORBIDDEN_PARTS = {
    "solutions",
    "tools",
    "tests",
    "mutants",
    "grading",
    "instructor",
    "source_with_tests",
    "autograded",
    "submitted",
}
FORBIDDEN_NAMES = {"autograding.py", "nbgrader_tasks.py", "gradebook.db", "grading-secret"}
MIN_LINE = 12  # shorter lines ("return x") say nothing about an answer

pytestmark = pytest.mark.slow


# -- what must never reach students ------------------------------------------------------------
def _regions(source: str, begin: str, end: str) -> list[str]:
    """The lines between ``begin`` and ``end`` markers of a cell's source."""
    found, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            found.append(line)
    return found


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _meaningful(lines) -> set[str]:
    return {
        line.strip()
        for line in lines
        if len(line.strip()) >= MIN_LINE and re.search(r"[A-Za-z0-9]", line)
    }


def secret_lines() -> dict[str, set[str]]:
    """``{kind: lines}``: the answers, the hidden tests and the mutants of every lab, less
    any line that is public anyway (in a lesson, in the simulator or the class's
    configuration, in the labs' own text): "return found" says nothing."""
    answers, hidden, public = [], [], []
    for notebook in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        for cell in _cells(notebook):
            source = _source(cell)
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("solution") and "### BEGIN SOLUTION" not in source:
                answers += source.splitlines()  # a written answer: the whole cell
                continue
            answers += _regions(source, "### BEGIN SOLUTION", "### END SOLUTION")
            hidden += _regions(source, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
            kept = re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION", "", source, flags=re.S)
            kept = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", kept, flags=re.S)
            public += kept.splitlines()
    for notebook in sorted((ROOT / "lessons").glob("*.ipynb")):
        public += [line for cell in _cells(notebook) for line in _source(cell).splitlines()]
    for module in sorted([*(ROOT / "src").rglob("*.py"), *(ROOT / "hub").glob("**/*.py")]):
        public += module.read_text(encoding="utf-8").splitlines()  # public code anyway
    mutants = [
        line
        for path in sorted((ROOT / "tests" / "mutants").glob("*/*.py"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    shown = _meaningful(public)
    return {
        "answer": _meaningful(answers) - shown,
        "hidden test": _meaningful(hidden) - shown,
        "mutant": _meaningful(mutants) - shown,
    }


# -- reading a distribution, wherever its text hides ----------------------------------------------
def texts(folder: Path, archive: Path | None = None) -> dict[str, str]:
    """``{name: text}`` of every file of the distribution, the wheel's members and the
    archive's members included (bytes read as UTF-8, replacing what is not)."""
    found: dict[str, str] = {}

    def add(name: str, data: bytes) -> None:
        found[name] = data.decode("utf-8", errors="replace")
        if name.endswith((".whl", ".zip")):
            with zipfile.ZipFile(io.BytesIO(data)) as wheel:
                for member in wheel.namelist():
                    add(f"{name}!{member}", wheel.read(member))

    for path in sorted(folder.rglob("*")):
        if path.is_file():
            add(str(path.relative_to(folder)), path.read_bytes())
    if archive is not None:
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                if member.isfile():
                    add(f"{archive.name}!{member.name}", tar.extractfile(member).read())
    return found


def _lines(name: str, text: str) -> list[str]:
    """The lines of a file; for a notebook, of its cells' sources and outputs (JSON hides
    them in quoted strings)."""
    lines = text.splitlines()
    if name.endswith(".ipynb"):
        try:
            cells = json.loads(text).get("cells", [])
        except (ValueError, AttributeError):
            return lines
        for cell in cells:
            lines += _source(cell).splitlines() if isinstance(cell, dict) else []
            for output in cell.get("outputs", []) if isinstance(cell, dict) else []:
                lines += "".join(output.get("text", "")).splitlines()
    return lines


def leaks(found: dict[str, str], secrets: dict[str, set[str]]) -> list[str]:
    """``name: kind: line`` for every secret line found, and every file that should not be
    there at all."""
    problems = []
    for name, text in found.items():
        parts = set(re.split(r"[/!]", name))
        if parts & FORBIDDEN_PARTS or parts & FORBIDDEN_NAMES:
            problems.append(f"{name}: a file that must not be in a student distribution")
        lines = {line.strip() for line in _lines(name, text)}
        for kind, wanted in secrets.items():
            problems += [f"{name}: {kind}: {line}" for line in sorted(wanted & lines)]
        for canary in (SECRET, FILE_SECRET, GRADEBOOK, SUBMISSION):
            if canary in text:
                problems.append(f"{name}: holds {canary!r}")
    return problems


# -- the distribution, built from an instructor's private copy ------------------------------------
@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("student-dist")
    course = tmp / "course"
    shutil.copytree(
        ROOT,
        course,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "dist", "artifacts", "node_modules", "__pycache__", ".*_cache"
        ),
    )
    submitted = course / "grading" / "submitted" / "ada" / "lab00-warmup"
    submitted.mkdir(parents=True)
    (submitted / "lab00-warmup.ipynb").write_text(json.dumps({"cells": [SUBMISSION]}))
    (course / "grading" / "gradebook.db").write_text(GRADEBOOK)
    home = tmp / "home"
    (home / ".config" / "censorsim").mkdir(parents=True)
    (home / ".config" / "censorsim" / "grading-secret").write_text(FILE_SECRET)
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(home),
        "CENSORSIM_GRADING_SECRET": SECRET,
    }
    done = subprocess.run(
        [sys.executable, str(course / "tools" / "student_dist.py"), "--out", str(tmp / "dist")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    folder = tmp / "dist" / "student"
    (archive,) = (tmp / "dist").glob("censorship-course-student-*.tar.gz")
    return folder, archive


def test_the_distribution_holds_what_students_need(built):
    folder, archive = built
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (wheel,) = folder.glob("censorsim-*.whl")
    assert wheel.name == f"censorsim-{project['version']}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        metadata = z.read(f"censorsim-{project['version']}.dist-info/METADATA").decode()
    assert all(n.startswith(("censorsim/", "censorsim-")) for n in names), names
    assert "censorsim/grading.py" in names and "License-Expression: MIT" in metadata
    for name in ("lessons", "labs"):
        expected = sorted(p.relative_to(ROOT) for p in (ROOT / name).rglob("*.ipynb"))
        assert sorted(p.relative_to(folder) for p in (folder / name).rglob("*.ipynb")) == expected
        for path in expected:
            assert (folder / path).read_bytes() == (ROOT / path).read_bytes(), path
    assert not (folder / "solutions").exists()
    assert "Creative Commons Attribution 4.0" in (folder / "LICENSE-CC-BY-4.0").read_text()
    assert "MIT License" in (folder / "LICENSE").read_text()
    # the student set-up: nbgrader's exchange settings and no instructor panel
    page = json.loads((folder / "hub/jupyter/student/labconfig/page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True
    # the archive holds the same files as the folder
    with tarfile.open(archive) as tar:
        members = sorted(m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile())
    assert members == sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_the_class_image_builds_on_a_named_official_image_with_exact_pins(built):
    folder, _ = built
    dockerfile = (folder / "Dockerfile").read_text()
    base = re.findall(r"^FROM\s+(\S+)", dockerfile, flags=re.M)
    assert len(base) == 1, base
    assert re.fullmatch(r"quay\.io/jupyter/minimal-notebook:\d{4}-\d{2}-\d{2}", base[0]), base
    # the student set-up, as binder/postBuild leaves it: through the config path
    assert "JUPYTER_CONFIG_PATH=/opt/censorship-course/student/hub/jupyter/student" in dockerfile
    for copied in re.findall(r"/opt/censorship-course/student/(\S+)", dockerfile):
        if "*" not in copied and copied != "requirements.txt":
            assert (folder / copied).exists(), copied
    pins = [
        Requirement(line)
        for line in (folder / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert all(len(p.specifier) == 1 and next(iter(p.specifier)).operator == "==" for p in pins)
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    ranges = {Requirement(r).name: Requirement(r).specifier for r in extras["hub"]}
    for pin in pins:
        if pin.name in ranges:
            version = Version(next(iter(pin.specifier)).version)
            assert version in ranges.pop(pin.name), (pin, extras["hub"])
    assert ranges == {}, f"not pinned for the image: {ranges}"


def test_nothing_of_the_answers_hidden_tests_mutants_or_secrets_reaches_it(built):
    folder, archive = built
    secrets = secret_lines()
    # enough to mean something: every lab has answers and hidden tests
    assert len(secrets["answer"]) >= 20 and len(secrets["hidden test"]) >= 20, secrets
    assert len(secrets["mutant"]) >= 10
    found = texts(folder, archive)
    assert any(name.endswith(".whl!censorsim/grading.py") for name in found)
    assert leaks(found, secrets) == []


def test_the_search_finds_a_leak_wherever_it_hides(built, tmp_path):
    """The same search on a copy with one solution notebook, and one answer inside the wheel."""
    folder, _ = built
    copy = tmp_path / "student"
    shutil.copytree(folder, copy)
    shutil.copy(ROOT / "solutions" / "lab00-warmup" / "lab00-warmup.ipynb", copy / "extra.ipynb")
    secrets = secret_lines()
    answer = sorted(secrets["answer"])[0]
    (wheel,) = copy.glob("*.whl")
    with zipfile.ZipFile(wheel, "a") as z:
        z.writestr("censorsim/_notes.py", f"# notes\n    {answer}\n")
    found = leaks(texts(copy), secrets)
    assert any(p.startswith("extra.ipynb: hidden test:") for p in found), found[:5]
    assert any(p.startswith("extra.ipynb: answer:") for p in found), found[:5]
    assert f"{wheel.name}!censorsim/_notes.py: answer: {answer}" in found

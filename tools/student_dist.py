"""The student distribution (``make student-dist``): what a class's students get.

``dist/student/`` and the same as ``dist/censorship-course-student-<version>.tar.gz``:

    censorsim-<version>-py3-none-any.whl   the simulator (built from src/ alone)
    requirements.txt                       every pin: binder/environment.yml's and the hub's
    lessons/, labs/                        the notebooks students open (labs without answers)
    hub/class.toml, hub/classfile.py       the class file (course id, exchange), no secret
    hub/jupyter/student/                   the student set-up: nbgrader's assignment list and
                                           Validate only; the exchange's settings
    hub/jupyter/start-course               copies the lessons into a new user's home
    Dockerfile                             the class image (hub/image/Dockerfile)
    README.md, LICENSE, LICENSE-CC-BY-4.0

Never in it: ``solutions/`` (the answers and the hidden tests), ``tools/`` (grading),
``tests/`` (the mutants), ``grading/``, the course's ``nbgrader_config.py``, the
instructors' set-up. Every file is picked by name from an allow-list, and the notebooks of
``labs/`` must carry no answer or hidden-test marker (or the build stops): the distribution
is built from a checkout whose ``labs/`` is up to date (``make labs``).
tests/test_student_dist.py searches the result for every line of the answers and hidden
tests of ``solutions/``, the mutants, and the grading secret.

Run: ``.venv/bin/python tools/student_dist.py [--out DIR]`` (default ``dist/``).
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "censorship-course-student"
# (source under the repository, destination under the distribution)
FILES = [
    ("LICENSE", "LICENSE"),
    ("LICENSE-CC-BY-4.0", "LICENSE-CC-BY-4.0"),
    ("hub/image/Dockerfile", "Dockerfile"),
    ("hub/class.toml", "hub/class.toml"),
    ("hub/classfile.py", "hub/classfile.py"),
    ("hub/jupyter/start-course", "hub/jupyter/start-course"),
    ("hub/jupyter/student/nbgrader_config.py", "hub/jupyter/student/nbgrader_config.py"),
    (
        "hub/jupyter/student/jupyter_server_config.json",
        "hub/jupyter/student/jupyter_server_config.json",
    ),
    (
        "hub/jupyter/student/labconfig/page_config.json",
        "hub/jupyter/student/labconfig/page_config.json",
    ),
]
NOTEBOOK_FOLDERS = ("lessons", "labs")
SKIPPED = {".ipynb_checkpoints", "__pycache__", "captures", ".DS_Store"}
# what nbgrader leaves in a source notebook and removes from a student version
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS")
EPOCH = 315532800  # 1980-01-01, the earliest time a zip (wheel) can hold


class DistError(RuntimeError):
    """The distribution cannot be built; the message says why."""


def version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def notebooks(folder: Path) -> list[Path]:
    """Every file under ``folder`` but editor and output leftovers, sorted."""
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not SKIPPED & set(relative.parts):
            found.append(path)
    return found


def check_student_version(path: Path) -> None:
    """Stop if a notebook of labs/ still holds answers or hidden tests."""
    text = path.read_text(encoding="utf-8", errors="replace")
    for marker in MARKERS:
        if marker in text:
            raise DistError(
                f"{path.relative_to(ROOT)} holds {marker!r}: labs/ must be nbgrader's student "
                "version (run make labs), never a notebook with answers"
            )


def requirements() -> str:
    """The exact pins: binder/environment.yml's pip list, then hub/image/requirements-hub.txt."""
    import yaml

    env = yaml.safe_load((ROOT / "binder" / "environment.yml").read_text())
    pins = [
        str(p) for dep in env["dependencies"] if isinstance(dep, dict) for p in dep.get("pip", [])
    ]
    hub = [
        line.strip()
        for line in (ROOT / "hub" / "image" / "requirements-hub.txt").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    return (
        "# The class image's packages, pinned exactly (make student-dist writes this file).\n"
        "# The course: binder/environment.yml (the versions the test suite ran with)\n"
        + "".join(f"{p}\n" for p in pins)
        + "# JupyterHub's single-user server: hub/image/requirements-hub.txt\n"
        + "".join(f"{p}\n" for p in hub)
    )


def build_wheel(out: Path) -> Path:
    """The censorsim wheel, built offline from a copy of pyproject.toml, README and src/ only."""
    with tempfile.TemporaryDirectory(prefix="censorsim-wheel-") as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            shutil.copy(ROOT / name, tree / name)
        shutil.copytree(
            ROOT / "src",
            tree / "src",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"),
        )
        env = dict(os.environ, SOURCE_DATE_EPOCH=str(EPOCH), PIP_NO_INDEX="1")
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "--no-build-isolation",
                "--wheel-dir",
                str(out),
                str(tree),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise DistError(
                "building the censorsim wheel failed (it needs setuptools>=77 in this "
                f"environment: make venv):\n{done.stdout}{done.stderr}"
            )
    wheels = sorted(out.glob("censorsim-*.whl"))
    if len(wheels) != 1:
        raise DistError(f"expected one censorsim wheel in {out}, found {wheels}")
    return wheels[0]


README = """# {name} {version}

The censorship course as its students get it: the simulator `censorsim` (the wheel), the
lessons, and the labs to complete (without their answers). It is what the class image holds
(`Dockerfile`) and what the class server copies lessons from.

- On your own machine, with Python 3.11 or newer:
  `python -m venv venv && venv/bin/pip install -r requirements.txt censorsim-*.whl`,
  then `JUPYTER_CONFIG_PATH=hub/jupyter/student venv/bin/jupyter lab`.
- In a class: your instructor hands out the labs through JupyterHub (the Assignments tab:
  Fetch, work, Validate, Submit; later Fetch Feedback).

Licences: the code under the MIT licence (LICENSE), the lessons and labs under CC BY 4.0
(LICENSE-CC-BY-4.0). Copyright (c) the censorship course authors.
"""


def build(out: Path) -> tuple[Path, Path]:
    """Write ``out/student/`` and ``out/<name>-<version>.tar.gz``; return both paths."""
    out = out.resolve()
    folder = out / "student"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for source, dest in FILES:
        target = folder / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / source, target)
    for name in NOTEBOOK_FOLDERS:
        for path in notebooks(ROOT / name):
            if name == "labs":
                check_student_version(path)
            target = folder / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    (folder / "requirements.txt").write_text(requirements())
    (folder / "README.md").write_text(README.format(name=NAME, version=version()))
    build_wheel(folder)
    archive = out / f"{NAME}-{version()}.tar.gz"
    write_archive(folder, archive, f"{NAME}-{version()}")
    return folder, archive


def write_archive(folder: Path, archive: Path, prefix: str) -> None:
    """A .tar.gz of ``folder`` under ``prefix/``: sorted, owned by root, dated EPOCH."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in [folder, *sorted(folder.rglob("*"))]:
            name = prefix if path == folder else f"{prefix}/{path.relative_to(folder)}"
            info = tar.gettarinfo(path, name)
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            info.mtime = EPOCH
            info.mode = 0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644
            if path.is_file():
                with open(path, "rb") as data:
                    tar.addfile(info, data)
            else:
                tar.addfile(info)
    with open(archive, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=EPOCH) as gz:
        gz.write(buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="the output folder")
    args = parser.parse_args(argv)
    try:
        folder, archive = build(args.out)
    except DistError as error:
        print(error, file=sys.stderr)
        return 1
    files = sum(1 for p in folder.rglob("*") if p.is_file())
    print(f"wrote {folder} ({files} files) and {archive}")
    print(f"class image: docker build -t <registry>/censorship-course:{version()} {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

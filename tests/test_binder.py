"""Delivery: Binder's pinned environment, its postBuild, the conda environment and the README's
Binder badge agree with pyproject.toml and with each other.

Binder reads only binder/ (repo2docker ignores root files when binder/ exists), so the pins
there can drift from pyproject.toml's ranges without anyone noticing until a Binder build
breaks or, worse, runs versions nobody tested. Each check below is a function returning a
list of problems; the tests run it on the real files and on deliberately broken inputs.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import shutil
import stat
import subprocess
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
BINDER_ENV = ROOT / "binder" / "environment.yml"
POSTBUILD = ROOT / "binder" / "postBuild"
ROOT_ENV = ROOT / "environment.yml"
README = ROOT / "README.md"
FIRST_LESSON = "lessons/00-welcome.ipynb"

# The instructor's parts of nbgrader 0.9's lab extension; students keep assignment-list,
# validate-assignment and menu.
INSTRUCTOR_PLUGINS = (
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
)
INSTRUCTOR_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.course_list",
)
# conda-forge names of pyproject's dependencies where they differ (matplotlib-base is
# matplotlib without a Qt toolkit; it installs the distribution "matplotlib")
CONDA_NAMES = {"matplotlib": "matplotlib-base"}


# -- reading the files ---------------------------------------------------------------------
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def required(project: dict) -> list[Requirement]:
    """pyproject's run-time dependencies and its [course] extra: what Binder must install."""
    deps = (
        project["project"]["dependencies"] + project["project"]["optional-dependencies"]["course"]
    )
    return [Requirement(d) for d in deps]


def conda_spec(entry: str) -> tuple[str, SpecifierSet]:
    """A conda dependency line ("python=3.11", "numpy>=1.26", "python==3.11.7") as a name
    and a PEP 440 specifier set. conda's single "=" means "this version or a later patch"
    ("=3.11" is "3.11.*"); "==" is exact."""
    m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", entry)
    if m is None:
        raise ValueError(f"{entry!r} is not a conda dependency")
    name, spec = m.groups()
    spec = spec.replace(" ", "")
    if re.fullmatch(r"=[^=<>!].*", spec):
        version = spec[1:]
        spec = f"=={version}" if version.endswith("*") else f"=={version}.*"
    return canonicalize_name(name), SpecifierSet(spec)


def environment_entries(env: dict) -> tuple[list[str], list[str]]:
    """The conda dependency lines and the pip lines of an environment.yml."""
    conda, pip = [], []
    for dep in env.get("dependencies") or []:
        if isinstance(dep, dict):
            pip.extend(str(p) for p in dep.get("pip") or [])
        else:
            conda.append(str(dep))
    return conda, pip


def binder_pins(env: dict) -> dict[str, str]:
    """Name -> the whole specifier of every package in Binder's environment (conda and pip)."""
    conda, pip = environment_entries(env)
    pins = {}
    for entry in conda:
        name, spec = conda_spec(entry)
        pins[name] = str(spec)
    for entry in pip:
        req = Requirement(entry)
        pins[canonicalize_name(req.name)] = str(req.specifier)
    return pins


def exact_version(spec: str) -> Version | None:
    """The version of an exact pin ("==2.9.2"), or None when ``spec`` is not one."""
    m = re.fullmatch(r"===?([0-9][0-9A-Za-z.+!\-]*)", spec)
    if m is None or "*" in spec:
        return None
    return Version(m.group(1))


# -- the checks ----------------------------------------------------------------------------
def pin_problems(requirements: list[Requirement], pins: dict[str, str]) -> list[str]:
    """Every requirement must be pinned exactly, at a version its specifier allows."""
    problems = []
    for req in requirements:
        name = canonicalize_name(req.name)
        if name not in pins:
            problems.append(f"{req.name} ({req}) is not in binder/environment.yml")
            continue
        version = exact_version(pins[name])
        if version is None:
            problems.append(
                f"{req.name} is not pinned exactly: {pins[name]!r} (write {req.name}==X.Y.Z)"
            )
        elif not req.specifier.contains(version, prereleases=True):
            problems.append(f"{req.name}=={version} is outside pyproject's range {req.specifier}")
    return problems


def python_problems(requires_python: str, pins: dict[str, str]) -> list[str]:
    spec = pins.get("python")
    if spec is None:
        return ["python is not pinned in binder/environment.yml"]
    version = exact_version(spec)
    if version is None:
        return [f"python is not pinned exactly: {spec!r}"]
    if not SpecifierSet(requires_python).contains(version):
        return [f"python=={version} does not satisfy requires-python {requires_python}"]
    return []


def dependency_problems(
    dist_requires: list[str], pins: dict[str, str], python: Version | None, owner: str
) -> list[str]:
    """The pins must satisfy what a pinned distribution (``owner``) itself requires."""
    env = default_environment()
    env["extra"] = ""
    if python is not None:
        env["python_version"] = f"{python.major}.{python.minor}"
        env["python_full_version"] = str(python)
    problems = []
    for line in dist_requires:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        name = canonicalize_name(req.name)
        version = exact_version(pins.get(name, ""))
        if version is not None and not req.specifier.contains(version, prereleases=True):
            problems.append(f"{owner} requires {req}, but Binder pins {req.name}=={version}")
    return problems


def root_environment_problems(
    env_text: str, requirements: list[Requirement], requires_python: str
) -> list[str]:
    """environment.yml: conda-forge, a Python in requires-python, each dependency of pyproject
    with pyproject's range and a comment saying why, and the project itself through pip."""
    env = yaml.safe_load(env_text)
    problems = []
    if "conda-forge" not in (env.get("channels") or []):
        problems.append("the conda-forge channel is missing")
    conda, pip = environment_entries(env)
    specs = {}
    for entry in conda:
        name, spec = conda_spec(entry)
        specs[name] = spec
    for req in requirements:
        conda_name = canonicalize_name(CONDA_NAMES.get(req.name, req.name))
        if conda_name not in specs:
            problems.append(f"{conda_name} (pyproject: {req}) is missing")
        elif specs[conda_name] != req.specifier:
            problems.append(
                f"{conda_name}: environment.yml says {specs[conda_name] or 'any'}, "
                f"pyproject says {req.specifier}"
            )
    if "python" not in specs or "pip" not in specs:
        problems.append("python and pip must both be conda dependencies")
    else:
        m = re.fullmatch(r"==(\d+\.\d+)(\.\*)?", str(specs["python"]))
        if m is None or not SpecifierSet(requires_python).contains(Version(m.group(1))):
            problems.append(
                f"python {specs['python']}: name one minor version (python=3.X) that "
                f"satisfies requires-python {requires_python}"
            )
    installs_project = False
    for line in pip:
        m = re.fullmatch(r"-e\s+\.(\[[a-z,\s]*\])?", line.strip())
        if m and "course" in (m.group(1) or ""):
            installs_project = True
    if not installs_project:
        problems.append("pip must install the project with its course extra: '-e .[course]'")
    # every dependency line carries a comment that says why it is there
    in_dependencies = False
    for raw in env_text.splitlines():
        if re.match(r"[A-Za-z_]+:", raw):  # a top-level key
            in_dependencies = raw.startswith("dependencies:")
            continue
        m = re.match(r"\s*-\s+([^#]+?)\s*(#.*)?$", raw)
        if in_dependencies and m and m.group(1) != "pip:" and not m.group(2):
            problems.append(f"no comment says why {m.group(1)!r} is there")
    return problems


def postbuild_problems(text: str, mode: int) -> list[str]:
    problems = []
    lines = text.splitlines()
    if not lines or not re.fullmatch(r"#!\s*(/bin/bash|/usr/bin/env bash)", lines[0].strip()):
        problems.append("the first line must be a bash shebang (#!/bin/bash)")
    # join continuation lines and drop comments, then look at the commands
    commands = [
        re.sub(r"\s+", " ", c).strip()
        for c in re.sub(r"\\\n", " ", text).splitlines()
        if c.strip() and not c.strip().startswith("#")
    ]
    if not any(re.fullmatch(r"set (-[a-zA-Z]*e[a-zA-Z]*|-o errexit)( .*)?", c) for c in commands):
        problems.append("postBuild must 'set -e' (or -euo pipefail) so that errors fail the build")
    if not mode & stat.S_IXUSR:
        problems.append("postBuild is not executable (chmod +x binder/postBuild)")
    if not any(re.search(r"\bpip install\b.*--no-deps\b.*(-e )?\.$", c) for c in commands):
        problems.append(
            "postBuild must install the project without re-resolving its pins "
            "(pip install --no-deps -e .)"
        )
    for plugin in INSTRUCTOR_PLUGINS:
        pattern = rf"\bjupyter labextension disable\b.* {re.escape(plugin)}( |$)"
        if not any(re.search(pattern, c) for c in commands):
            problems.append(f"postBuild does not disable the lab plugin {plugin}")
    for ext in INSTRUCTOR_SERVER_EXTENSIONS:
        pattern = rf"\bjupyter server extension disable\b.* {re.escape(ext)}( |$)"
        if not any(re.search(pattern, c) for c in commands):
            problems.append(f"postBuild does not disable the server extension {ext}")
    return problems


def badge_problems(readme: str, notebook: str = FIRST_LESSON) -> list[str]:
    """The README's mybinder.org link opens JupyterLab on ``notebook``."""
    links = re.findall(r"\]\((https://mybinder\.org/v2/[^)\s]+)\)", readme)
    if not links:
        return ["the README has no mybinder.org link"]
    want = f"lab/tree/{notebook}"
    for link in links:
        url = urlparse(link)
        if parse_qs(url.query).get("urlpath") == [want]:
            return []
    return [f"no mybinder.org link opens {want} (found: {', '.join(links)})"]


# -- the tests -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pins() -> dict[str, str]:
    return binder_pins(yaml.safe_load(BINDER_ENV.read_text()))


def test_binder_pins_every_dependency_inside_pyproject_ranges(pins):
    problems = pin_problems(required(pyproject()), pins)
    assert problems == [], "binder/environment.yml:\n" + "\n".join(problems)
    # and nothing is left unpinned, except pip the installer
    loose = {
        name: spec for name, spec in pins.items() if name != "pip" and exact_version(spec) is None
    }
    assert loose == {}


def test_pin_checker_rejects_bad_pins():
    reqs = [Requirement("dnspython>=2.6,<3"), Requirement("numpy>=1.26"), Requirement("idna>=3.6")]
    assert pin_problems(reqs, {"dnspython": "==2.9.2", "numpy": "==2.4.6", "idna": "==3.20"}) == []
    problems = pin_problems(reqs, {"dnspython": "==3.0.0", "numpy": ">=1.26"})
    assert problems == [
        "dnspython==3.0.0 is outside pyproject's range <3,>=2.6",
        "numpy is not pinned exactly: '>=1.26' (write numpy==X.Y.Z)",
        "idna (idna>=3.6) is not in binder/environment.yml",
    ]
    assert exact_version("==2.*") is None and exact_version("~=2.9") is None


def test_binder_python_satisfies_requires_python(pins):
    requires_python = pyproject()["project"]["requires-python"]
    assert python_problems(requires_python, pins) == []
    assert python_problems(requires_python, {"python": "==3.10.14"}) == [
        "python==3.10.14 does not satisfy requires-python >=3.11"
    ]
    assert python_problems(requires_python, {"python": "==3.11.*"}) == [
        "python is not pinned exactly: '==3.11.*'"
    ]
    # the conda environment for laptops runs the same minor version
    root_python = dict(
        conda_spec(e) for e in environment_entries(yaml.safe_load(ROOT_ENV.read_text()))[0]
    )["python"]
    assert root_python.contains(exact_version(pins["python"]))


def test_jupyter_pins_satisfy_nbgrader_requirements(pins):
    """nbgrader 0.9.x requires jupyterlab>=4.2,<5 and notebook>=7.2,<8 (its own metadata)."""
    pinned = exact_version(pins["nbgrader"])
    installed = Version(importlib.metadata.version("nbgrader"))
    if installed != pinned:
        pytest.skip(
            f"nbgrader {installed} is installed, Binder pins {pinned}: cannot read its metadata"
        )
    nbgrader_requires = importlib.metadata.requires("nbgrader") or []
    names = {canonicalize_name(Requirement(r).name) for r in nbgrader_requires}
    assert {"jupyterlab", "notebook"} <= names, (
        "nbgrader's metadata no longer names lab and notebook"
    )
    python = exact_version(pins["python"])
    problems = dependency_problems(nbgrader_requires, pins, python, "nbgrader")
    assert problems == [], "\n".join(problems)
    requires_python = importlib.metadata.metadata("nbgrader").get("Requires-Python") or ""
    assert SpecifierSet(requires_python).contains(python)
    # the same check sees a JupyterLab 5 pin
    bad = dict(pins, jupyterlab="==5.0.0")
    assert dependency_problems(nbgrader_requires, bad, python, "nbgrader") == [
        "nbgrader requires jupyterlab<5,>=4.2.0, but Binder pins jupyterlab==5.0.0"
    ]


def test_root_environment_matches_pyproject():
    reqs = required(pyproject())
    requires_python = pyproject()["project"]["requires-python"]
    text = ROOT_ENV.read_text()
    problems = root_environment_problems(text, reqs, requires_python)
    assert problems == [], "environment.yml:\n" + "\n".join(problems)
    # a drifted range, a missing comment and a missing package are each reported
    broken = (
        text.replace("numpy>=1.26 ", "numpy>=1.20 ")
        .replace("# the Python kernel the notebooks run in", "")
        .replace("  - nbgrader==0.9.6", "  # - nbgrader==0.9.6")
        .replace("  - python=3.11 ", "  - python=3.10 ")
    )
    problems = root_environment_problems(broken, reqs, requires_python)
    assert "numpy: environment.yml says >=1.20, pyproject says >=1.26" in problems
    assert "nbgrader (pyproject: nbgrader==0.9.6) is missing" in problems
    assert "no comment says why 'ipykernel>=6.29' is there" in problems
    assert (
        "python ==3.10.*: name one minor version (python=3.X) that satisfies "
        "requires-python >=3.11" in problems
    )


def test_postbuild_installs_the_package_and_hides_the_instructor_tools():
    mode = POSTBUILD.stat().st_mode
    problems = postbuild_problems(POSTBUILD.read_text(), mode)
    assert problems == [], "binder/postBuild:\n" + "\n".join(problems)
    if shutil.which("git") and (ROOT / ".git").exists():
        staged = subprocess.run(
            ["git", "ls-files", "--stage", "--", "binder/postBuild"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        if staged:  # once committed, git must record the executable bit too
            assert staged[0] == "100755", f"git records binder/postBuild as {staged[0]}"
    # a script without set -e, not executable, that forgets the formgrader
    bad = (
        "#!/bin/sh\npip install -e .\njupyter labextension disable @jupyter/nbgrader:course-list\n"
    )
    problems = postbuild_problems(bad, 0o644)
    assert problems[:4] == [
        "the first line must be a bash shebang (#!/bin/bash)",
        "postBuild must 'set -e' (or -euo pipefail) so that errors fail the build",
        "postBuild is not executable (chmod +x binder/postBuild)",
        "postBuild must install the project without re-resolving its pins (pip install --no-deps -e .)",
    ]
    assert "postBuild does not disable the lab plugin @jupyter/nbgrader:formgrader" in problems
    assert "postBuild does not disable the lab plugin @jupyter/nbgrader:course-list" not in problems
    assert "postBuild must 'set -e' (or -euo pipefail) so that errors fail the build" in (
        postbuild_problems("#!/bin/bash\nset -u\n", 0o755)
    )


def test_instructor_plugin_ids_exist_in_the_installed_nbgrader():
    """The ids postBuild disables are those of the nbgrader that Binder pins: a renamed
    plugin would leave the instructor tools on without any error from postBuild."""
    spec = importlib.util.find_spec("nbgrader")
    assert spec is not None and spec.origin is not None
    static = Path(spec.origin).parent / "labextension" / "static"
    bundle = "\n".join(p.read_text(errors="replace") for p in static.glob("*.js"))
    for plugin in INSTRUCTOR_PLUGINS + ("@jupyter/nbgrader:validate-assignment",):
        assert f'"{plugin}"' in bundle, f"{plugin} is not a plugin of the installed nbgrader"
    for ext in INSTRUCTOR_SERVER_EXTENSIONS:
        assert importlib.util.find_spec(ext) is not None, f"{ext} is not a module"


def test_readme_binder_badge_opens_lesson_00():
    problems = badge_problems(README.read_text())
    assert problems == [], "README.md:\n" + "\n".join(problems)
    assert badge_problems(
        "[![b](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/o/r/HEAD)"
    )
    assert badge_problems("no badge at all") == ["the README has no mybinder.org link"]
    assert badge_problems(
        "[x](https://mybinder.org/v2/gh/o/r/HEAD?urlpath=lab/tree/lessons/01-x.ipynb)"
    ) == [
        "no mybinder.org link opens lab/tree/lessons/00-welcome.ipynb "
        "(found: https://mybinder.org/v2/gh/o/r/HEAD?urlpath=lab/tree/lessons/01-x.ipynb)"
    ]


def test_binder_badge_target_exists():
    if not (ROOT / FIRST_LESSON).exists() and not any((ROOT / "lessons").glob("*.ipynb")):
        pytest.skip(f"no lessons yet: {FIRST_LESSON} is being written")
    assert (ROOT / FIRST_LESSON).is_file(), (
        f"the Binder badge opens {FIRST_LESSON}, which is missing"
    )

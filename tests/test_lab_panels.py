"""`make lab` opens the course as a student sees it: nbgrader's assignment list and Validate
button, but no instructor panel (formgrader, create assignment, course list), as Binder
(binder/postBuild) does; `make instructor` opens it with them. The configuration folder
tools/jupyter/student is put first on JUPYTER_CONFIG_PATH by `make lab` only."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from test_browser import postbuild_disables

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STUDENT = os.path.join(ROOT, "tools", "jupyter", "student")


def _target(name: str) -> str:
    text = open(os.path.join(ROOT, "Makefile"), encoding="utf-8").read()
    match = re.search(rf"^{name}: .*\n((?:\t.*\n)+)", text, flags=re.M)
    assert match, f"no target {name} in the Makefile"
    return match.group(1)


def test_make_lab_uses_the_student_configuration_and_make_instructor_does_not():
    assert "JUPYTER_CONFIG_PATH=$(STUDENT_JUPYTER)" in _target("lab")
    assert "JUPYTER_CONFIG_PATH" not in _target("instructor")
    assert "tools/jupyter/student" in open(os.path.join(ROOT, "Makefile")).read()


def _effective(config_path: str | None) -> tuple[dict, list]:
    """The server extensions and disabled lab plugins a Jupyter server would get."""
    code = (
        "import json\n"
        "from jupyter_core.paths import jupyter_path\n"
        "from jupyter_server.serverapp import ServerApp\n"
        "from jupyterlab_server.config import get_page_config\n"
        "app = ServerApp(); app.load_config_file(); app.find_server_extensions()\n"
        "page = get_page_config(jupyter_path('labextensions'), logger=None)\n"
        "print(json.dumps([app.jpserver_extensions, page.get('disabledExtensions', [])]))\n"
    )
    env = dict(os.environ)
    env.pop("JUPYTER_CONFIG_PATH", None)
    if config_path:
        env["JUPYTER_CONFIG_PATH"] = config_path
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    extensions, disabled = json.loads(done.stdout.splitlines()[-1])
    return extensions, disabled


@pytest.mark.slow
def test_the_student_configuration_hides_the_instructor_panels_only():
    plugins, server = postbuild_disables()
    assert plugins and server
    extensions, disabled = _effective(STUDENT)
    assert set(plugins) <= set(disabled), (plugins, disabled)
    for name in server:
        assert extensions.get(name) is False, (name, extensions)
    # the student side stays: the assignment list and the Validate button
    assert extensions.get("nbgrader.server_extensions.assignment_list") is True
    assert extensions.get("nbgrader.server_extensions.validate_assignment") is True
    assert not any("assignment-list" in p or "validate" in p for p in disabled), disabled
    # the instructor's set-up has every panel
    extensions, disabled = _effective(None)
    assert all(extensions.get(name) is True for name in server), extensions
    panels = [p for p in plugins if p.startswith("@jupyter/nbgrader:")]
    assert panels and not set(panels) & set(disabled), disabled

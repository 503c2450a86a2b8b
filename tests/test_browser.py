"""A real browser: JupyterLab opens lesson 00, "Run All Cells" runs it without an error, and
a student's JupyterLab (as binder/postBuild configures it) shows Validate and no
instructor tools.

Playwright drives Debian's Chromium (/usr/bin/chromium; no browser is ever downloaded).
JupyterLab serves a temporary copy of the repository on 127.0.0.1 with its own Jupyter
config, data and runtime folders, so nothing is written into the repository except the
screenshots in artifacts/. Works with the network off (tests/offline.sh): everything
talks over loopback.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from helpers import IN_CI, require_program

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
LESSON = "lessons/00-welcome.ipynb"
POSTBUILD = ROOT / "binder" / "postBuild"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# copied into the server's root: the course, not the machinery around it
NOT_COPIED = shutil.ignore_patterns(
    ".venv", ".git", "artifacts", "grading", "captures", ".pytest_cache", ".ruff_cache",
    ".hypothesis", "__pycache__", ".ipynb_checkpoints", "*.egg-info",
)  # fmt: skip
SERVER_START = 90  # seconds: hang guards, not speed targets
KERNEL_READY = 90
RUN_ALL = 240
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in the current tab

pytestmark = pytest.mark.slow


def sync_playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if IN_CI:
            pytest.fail("the playwright package is missing, and CI must run the browser tests")
        pytest.skip("the playwright package is not installed")
    return sync_playwright()


def postbuild_disables() -> tuple[list[str], list[str]]:
    """The lab plugins and the server extensions that binder/postBuild disables."""
    text = re.sub(r"\\\n", " ", POSTBUILD.read_text())
    plugins, server = [], []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        names = [w for w in words[3:] if not w.startswith("-")]
        if words[:3] == ["jupyter", "labextension", "disable"]:
            plugins += names
        elif words[:4] == ["jupyter", "server", "extension", "disable"]:
            server += [w for w in words[4:] if not w.startswith("-")]
    return plugins, server


# -- the server -------------------------------------------------------------------------------
@dataclass
class Lab:
    base: str
    token: str
    root: Path

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path.lstrip('/')}{sep}token={self.token}"

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url(path), timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyter_lab(tmp: Path, *, student: bool = False) -> Iterator[Lab]:
    """JupyterLab on a copy of the repository. ``student``: with the lab plugins and server
    extensions that binder/postBuild disables, disabled (in this server's own config)."""
    root = tmp / "repo"
    shutil.copytree(ROOT, root, ignore=NOT_COPIED)
    config, data, runtime, settings = (tmp / d for d in ("config", "data", "runtime", "settings"))
    for d in (config / "labconfig", data, runtime, settings / "@jupyterlab/notebook-extension"):
        d.mkdir(parents=True)
    # every cell in the page (the default windowing attaches off-screen cells lazily)
    (settings / "@jupyterlab/notebook-extension/tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"})
    )
    # news_url=None stops the feed, but only this plugin stops the "news?" question
    disabled = ["@jupyterlab/apputils-extension:announcements"]
    server_off: list[str] = []
    if student:
        plugins, server_off = postbuild_disables()
        disabled += plugins
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": dict.fromkeys(disabled, True)})
    )
    if server_off:
        (config / "jupyter_server_config.json").write_text(
            json.dumps({"ServerApp": {"jpserver_extensions": dict.fromkeys(server_off, False)}})
        )
    port, token = free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(config),
        JUPYTER_DATA_DIR=str(data),
        JUPYTER_RUNTIME_DIR=str(runtime),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
        IPYTHONDIR=str(tmp / "ipython"),
    )
    log_path = tmp / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    lab = Lab(f"http://127.0.0.1:{port}", token, root)
    try:
        deadline = time.monotonic() + SERVER_START
        while lab_status(lab) != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield lab
    finally:
        try:
            req = urllib.request.Request(lab.url("api/shutdown"), method="POST")
            urllib.request.urlopen(req, timeout=10).close()
            proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def lab_status(lab: Lab) -> int | None:
    try:
        return lab.get("api/status")[0]
    except OSError:
        return None


# -- the browser ------------------------------------------------------------------------------
@contextmanager
def chromium(tmp: Path):
    """A headless Chromium (Debian's) with a fresh profile in ``tmp``."""
    executable = require_program("chromium")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp / "chromium-profile"),  # Playwright passes it as --user-data-dir
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


@contextmanager
def new_page(browser):
    page = browser.new_page()
    try:
        yield page
    finally:
        page.close()


# The kernel is connected and idle. (The notebook's execution indicator says "idle" before
# a kernel is attached; the status bar says "No Kernel | Initializing", then "| Idle".)
KERNEL_IDLE = """() => {
  const bar = document.querySelector('#jp-main-statusbar');
  const text = bar ? bar.textContent : '';
  return /\\| Idle/.test(text) && !/No Kernel/.test(text)
    && document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status="idle"]');
}"""


def open_notebook(page, lab: Lab, path: str) -> None:
    page.goto(lab.url(f"lab/tree/{path}?reset"))  # reset: no tabs restored from before
    page.wait_for_selector(f"{PANEL} .jp-Notebook", timeout=KERNEL_READY * 1000)
    page.wait_for_function(KERNEL_IDLE, timeout=KERNEL_READY * 1000)


def menu_items(page, menu: str) -> list[str]:
    page.click(f'.lm-MenuBar-itemLabel:text-is("{menu}")')
    page.wait_for_selector(".lm-Menu-content")
    items = [
        t.strip() for t in page.locator(".lm-Menu-content .lm-Menu-itemLabel").all_inner_texts()
    ]
    page.keyboard.press("Escape")
    return [t for t in items if t]


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


# Run All has finished (every cell ran, or one failed and the rest were cancelled): the
# kernel is idle, no cell waits ("[*]") and at least one cell has run.
SETTLED = """() => {
  const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]
    .map(p => p.textContent.trim());
  const idle = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status="idle"]');
  return idle && prompts.some(p => /^\\[\\d+\\]:$/.test(p)) && !prompts.some(p => p.includes('*'));
}"""
PROMPTS = f"{PANEL} .jp-CodeCell .jp-InputPrompt"
# JupyterLab renders both tracebacks and stderr streams with the stderr MIME type
ERROR_OUTPUTS = f'{PANEL} .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'


def run_all(page) -> tuple[list[str], list[str], float]:
    """Run > Run All Cells; wait until it has finished. The code cells' prompts, the text of
    the outputs shown as errors or stderr, and the seconds it took."""
    t0 = time.perf_counter()
    page.click('.lm-MenuBar-itemLabel:text-is("Run")')
    page.click('.lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel:text-is("Run All Cells")')
    page.wait_for_function(SETTLED, timeout=RUN_ALL * 1000)
    seconds = time.perf_counter() - t0
    # textContent, not innerText: the browser may skip rendering cells out of view
    texts = "els => els.map(e => e.textContent.trim())"
    prompts = page.locator(PROMPTS).evaluate_all(texts)
    return prompts, page.locator(ERROR_OUTPUTS).evaluate_all(texts), seconds


def not_run(prompts: list[str]) -> list[int]:
    return [i for i, p in enumerate(prompts) if not re.fullmatch(r"\[\d+\]:", p)]


def write_standin(path: Path, *sources: str) -> None:
    """A small notebook (in the server's copy of the repository) made of these code cells."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in sources])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


# -- the tests --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("chromium")) as context:
        yield context


@pytest.fixture(scope="module")
def course_lab(browser, tmp_path_factory):  # after the browser: no server if it is missing
    with jupyter_lab(tmp_path_factory.mktemp("lab")) as lab:
        yield lab


def test_lesson_00_runs_all_cells_in_jupyterlab(course_lab, browser):
    lab = course_lab
    if not (lab.root / LESSON).exists():
        pytest.skip(f"{LESSON} does not exist yet")
    cells = json.loads((lab.root / LESSON).read_text())["cells"]
    code_cells = sum(c["cell_type"] == "code" for c in cells)
    with new_page(browser) as page:
        open_notebook(page, lab, LESSON)
        try:
            prompts, shown, seconds = run_all(page)
            print(f"{LESSON}: Run All Cells took {seconds:.1f} s in Chromium")
            assert shown == [], "cells show errors or stderr:\n" + "\n---\n".join(shown)
            assert len(prompts) == code_cells, f"{len(prompts)} code cells shown of {code_cells}"
            assert not_run(prompts) == [], f"code cells {not_run(prompts)} did not run: {prompts}"
            # save (into the copy), then check every cell's outputs in the saved file
            page.keyboard.press("Control+s")
            page.wait_for_function(
                "() => !document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')",
                timeout=30_000,
            )
        finally:
            figures = page.locator(f"{PANEL} .jp-OutputArea-output img")
            if figures.count():  # show the first figure rather than the sources at the end
                figures.first.scroll_into_view_if_needed()
            shot = screenshot(page, "lesson00.png")
    status, body = lab.get(f"api/contents/{LESSON}?content=1")
    assert status == 200
    saved = json.loads(body)["content"]["cells"]
    unrun = [
        i for i, c in enumerate(saved) if c["cell_type"] == "code" and c["execution_count"] is None
    ]
    assert unrun == [], f"cells {unrun} were saved without running"
    bad = [
        (i, out.get("ename") or out.get("name"))
        for i, c in enumerate(saved)
        for out in c.get("outputs", [])
        if out["output_type"] == "error" or out.get("name") == "stderr"
    ]
    assert bad == [], f"error or stderr outputs: {bad}"
    assert shot.stat().st_size > 10_000
    # the repository's own notebook is untouched
    committed = json.loads((ROOT / LESSON).read_text())
    assert all(not c.get("outputs") for c in committed["cells"] if c["cell_type"] == "code")


def test_the_browser_check_sees_errors_and_stderr(course_lab, browser):
    """The same check on a stand-in notebook that warns on stderr, then raises: it must see
    both, and the cell after the error must count as not run."""
    write_standin(
        course_lab.root / "standin-broken.ipynb",
        "import warnings\nwarnings.warn('a warning on stderr')",
        "1 / 0",
        "print('never reached')",
    )
    with new_page(browser) as page:
        open_notebook(page, course_lab, "standin-broken.ipynb")
        prompts, shown, _ = run_all(page)
    assert len(shown) == 2, shown
    assert "a warning on stderr" in shown[0] and "ZeroDivisionError" in shown[1]
    assert not_run(prompts) == [2]


def test_student_jupyterlab_shows_validate_and_no_instructor_tools(browser, tmp_path):
    """What binder/postBuild leaves a student: the assignment list and Validate."""
    plugins, server_off = postbuild_disables()
    assert "@jupyter/nbgrader:create-assignment" in plugins
    assert "nbgrader.server_extensions.formgrader" in server_off
    with jupyter_lab(tmp_path, student=True) as lab, new_page(browser) as page:
        notebook = "standin-student.ipynb"  # any notebook gets the Validate button
        write_standin(lab.root / notebook, "1 + 1")
        open_notebook(page, lab, notebook)
        try:
            page.wait_for_selector(".jp-NotebookPanel-toolbar .validate-button", timeout=30_000)
            nbgrader = menu_items(page, "Nbgrader")
            assert "Assignment List" in nbgrader
            for instructor in (
                "Create assignment",
                "Formgrader",
                "Formgrader (local)",
                "Course List",
            ):
                assert instructor not in nbgrader, f"students see {instructor!r}: {nbgrader}"
            sidebar = page.locator(".jp-SideBar .lm-TabBar-tab").all_inner_texts()
            assert not any("Create Assignment" in t for t in sidebar), sidebar
        finally:
            screenshot(page, "student-view.png")
        # the formgrader's server side is off; the assignment list's (Validate uses it) is on
        assert lab.get("formgrader")[0] == 404
        assert lab.get("nbgrader_version?version=0.9.6")[0] == 200

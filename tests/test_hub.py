"""A class on JupyterHub, end to end, with real parts (issue 15).

The class server exactly as hub/jupyterhub_config.py configures it (only the class file
differs: these users, a folder of the test's for the exchange and the hub's state, free
ports on loopback), behind configurable-http-proxy from hub/proxy (``make hub-proxy``),
with the hub's own spawner and three real Unix users made for the test: an instructor and
two students. Then a whole round of a lab:

1. the instructor logs in through the hub and, from the formgrader on their own server,
   generates and releases lab00 through nbgrader's exchange;
2. Ada logs in through the hub's login page in a real browser (Debian's Chromium driven
   by Playwright, as tests/test_browser.py does), fetches the lab in the Assignments tab,
   opens it, types the right answers into its cells, saves, and submits it in the tab; Bob logs in over HTTP, fetches, completes
   one task wrongly and submits through the same server API the tab uses;
3. the instructor collects, autogrades in the sandbox (bubblewrap, required), with each
   student's seed from the grading secret in the instructor's home, generates and
   releases feedback; each student fetches theirs (Ada in the browser again).

Checked: the scores (Ada full marks, Bob all but the wrong task's points), each student's
feedback holds their own seed and score and never the other's, the lessons were copied
into each home from the student distribution, and neither student can list the exchange's
inbound folder, read the other's home or submission, or anything of the instructor's
(course, gradebook, secret). It all runs with the network off (tests/offline.sh): hub,
proxy and servers talk over loopback.

Creating users needs root: elsewhere the test is skipped with the reason, and with
CENSORSIM_CI=1 it fails instead. The users' names start with a random prefix and are
removed afterwards, with their homes and processes.

Where the test's Python lies in a folder other users cannot enter (a Python under /root,
as on the course's CI machines), the hub runs in a mount namespace in which that folder is
an open one holding only the way to the Python (python_view); on a class server the
course's environment lives in /opt (README).
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from helpers import IN_CI, require_program
from nbgrader_helpers import REPO, autograding, nbgrader_meta, points_of_answer, read, tasks

ROOT = REPO
LAB = "lab00-warmup"
HUB = ROOT / "hub"
ARTIFACTS = ROOT / "artifacts"
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in the current tab
PROXY = HUB / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
sys.path.insert(0, str(HUB))
import classfile  # noqa: E402  (hub/classfile.py)

START = 120  # seconds: hang guards, never speed targets
WRONG = "def dns_answer(trace):\n    return []\n"  # Bob's answer to task 2: no addresses

pytestmark = pytest.mark.slow


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason}, and CI must run the class test (CENSORSIM_CI=1)")
    pytest.skip(reason)


def _run(*command: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return done


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the machine: users, the class's Python, the course ------------------------------------------
@dataclass
class Machine:
    base: Path
    view: list[str]  # a prefix under which every user can run this Python (python_view)
    python: Path
    instructor: str
    students: tuple[str, str]
    passwords: dict[str, str]
    class_file: Path
    exchange: Path

    def home(self, user: str) -> Path:
        return Path(pwd.getpwnam(user).pw_dir)

    def as_user(self, user: str, *command: str, cwd: Path | None = None):
        """Run ``command`` as ``user`` (their terminal), with the class's Python first."""
        env = [
            f"PATH={self.python.parent}:/usr/bin:/bin",
            f"HOME={self.home(user)}",
            "LANG=C.UTF-8",
            f"{classfile.CLASS_FILE_VARIABLE}={self.class_file}",
        ]
        return _run(
            *self.view,
            "runuser",
            "-u",
            user,
            "--",
            "env",
            "-i",
            *env,
            *command,
            cwd=cwd or self.home(user),
        )


def _usable_by_everyone(view: list[str], python: Path) -> bool:
    command = [*view, "runuser", "-u", "nobody", "--", str(python), "-c", "import censorsim"]
    return _run(*command, check=False).returncode == 0


# In a mount namespace of its own: the closed folder hidden under an empty, open one, with
# only the way to the Python put back (bound from where it really is).
VIEW = """set -e
mkdir -p "$1"
mount --bind "$2" "$1"
mount -t tmpfs -o mode=0755 censorsim-view "$2"
mkdir -p "$2/$3"
mount --bind "$1/$3" "$2/$3"
shift 3
exec "$@"
"""


def python_view(base: Path) -> list[str]:
    """A command prefix under which every user can run this Python and its environment.

    Nothing when they already can. Otherwise (a Python under /root, mode 700), the prefix
    runs the command in a mount namespace where the closed folder is an open one holding
    only the way to the Python: every process the hub starts (servers, kernels, sandboxes)
    inherits it. A class server installs its environment in /opt instead (README).
    """
    python = Path(sys.executable)
    if _usable_by_everyone([], python):
        return []
    wanted = [python.resolve(), Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()]
    closed = [
        folder
        for path in wanted
        for folder in reversed(path.parents)
        if folder != Path("/") and not os.stat(folder).st_mode & 0o001
    ]
    if not closed:
        _unavailable(f"other users cannot run {python}, and no folder on its way is closed")
    folder = closed[0]
    inner = {path.relative_to(folder).parts[0] for path in wanted if folder in path.parents}
    if len(inner) != 1 or shutil.which("unshare") is None:
        _unavailable(f"other users cannot run {python} (it lies in {folder}, mode 700)")
    view = ["unshare", "--mount", "sh", "-c", VIEW, "view", str(base / "closed"), str(folder)]
    view.append(inner.pop())
    if not _usable_by_everyone(view, python):
        _unavailable(f"other users cannot run {python}, even through a mount namespace")
    return view


def _user_pids(uid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    pids.append(int(entry))
            except FileNotFoundError:
                pass
    return pids


def _remove_user(name: str) -> None:
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return
    for _ in range(3):  # the test's own users: their processes are the test's
        pids = _user_pids(uid)
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
    _run("userdel", "--remove", name, check=False)


@pytest.fixture(scope="module")
def machine(tmp_path_factory):
    if os.geteuid() != 0:
        _unavailable("creating the class's Unix users needs root")
    for program in ("useradd", "userdel", "chpasswd", "runuser"):
        require_program(program)
    require_program("node")
    if not PROXY.exists():
        _unavailable(f"configurable-http-proxy is not installed ({PROXY}): run make hub-proxy")
    works, why = autograding.bubblewrap_status()
    if not works:
        _unavailable(f"the grading sandbox does not work here: {why}")
    base = Path(tempfile.mkdtemp(prefix="censorsim-class-", dir="/tmp"))
    base.chmod(0o755)  # users reach the class file, the Python and the exchange through it
    prefix = "cs" + secrets.token_hex(3)
    names = [f"{prefix}-teach", f"{prefix}-ada", f"{prefix}-bob"]
    try:
        passwords = {}
        for name in names:
            _run("useradd", "--create-home", "--key", "HOME_MODE=0700", "--shell", "/bin/sh", name)
            passwords[name] = secrets.token_urlsafe(12)
        _run("chpasswd", input="".join(f"{n}:{p}\n" for n, p in passwords.items()))
        exchange = base / "exchange"
        exchange.mkdir(mode=0o1777)
        exchange.chmod(0o1777)
        yield Machine(
            base=base,
            view=python_view(base),
            python=Path(sys.executable),
            instructor=names[0],
            students=(names[1], names[2]),
            passwords=passwords,
            class_file=base / "class.toml",
            exchange=exchange,
        )
    finally:
        for name in names:
            _remove_user(name)
        shutil.rmtree(base, ignore_errors=True)


def write_class_file(m: Machine, student_files: Path, port: int) -> classfile.Class:
    """The class file of this test: the course id from hub/class.toml, the test's people,
    exchange, ports and folders."""
    course = classfile.load(HUB / "class.toml")
    m.class_file.write_text(
        f'[course]\nid = "{course.course_id}"\n\n'
        f'[exchange]\nroot = "{m.exchange}"\n\n'
        f'[people]\ninstructors = ["{m.instructor}"]\n'
        f"students = {json.dumps(list(m.students))}\n\n"
        f'[hub]\nurl = "http://127.0.0.1:{port}"\nstate_dir = "{m.base / "state"}"\n'
        f'student_files = "{student_files}"\ncourse_folder = "{course.course_folder}"\n'
        f"idle_timeout = 3600\n"
    )
    m.class_file.chmod(0o644)
    return classfile.load(m.class_file)


def instructor_course(m: Machine, folder: str) -> Path:
    """The instructor's private copy of the course in their home, the sandbox required, and
    the grading secret made as the README says (make secret, as the instructor)."""
    course = m.home(m.instructor) / folder
    tasks.copy_configuration(ROOT, course, 'c.CourseExecute.sandbox = "bubblewrap"\n')
    shutil.copytree(ROOT / "solutions", course / "solutions")
    shutil.copytree(ROOT / "labs", course / "labs")
    _run("chown", "-R", f"{m.instructor}:", str(course))
    m.as_user(m.instructor, str(m.python), "tools/nbgrader_tasks.py", "secret", cwd=course)
    return course


# -- the hub ----------------------------------------------------------------------------------------
@dataclass
class Hub:
    url: str
    process: subprocess.Popen
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@contextlib.contextmanager
def running_hub(m: Machine, klass: classfile.Class):
    state = m.base / "state"
    log = m.base / "hub.log"
    env = {
        "PATH": f"{m.python.parent}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": "/root",
        classfile.CLASS_FILE_VARIABLE: str(m.class_file),
    }
    command = [
        *m.view, str(m.python), "-m", "jupyterhub", "-f", str(HUB / "jupyterhub_config.py"),
        f"--JupyterHub.hub_bind_url=http://127.0.0.1:{_free_port()}",
        f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{_free_port()}",
    ]  # fmt: skip
    state.mkdir(mode=0o700)
    with open(log, "w") as out:
        process = subprocess.Popen(
            command, cwd=state, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    hub = Hub(klass.hub_url, process, log)
    try:
        deadline = time.monotonic() + START
        while True:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{hub.url}/hub/health", timeout=5).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the hub did not start:\n{hub.tail()}")
            time.sleep(0.3)
        yield hub
    finally:
        process.send_signal(signal.SIGTERM)  # the hub stops the users' servers and its proxy
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Member:
    """A class member's browser-less session with the hub and their own server."""

    def __init__(self, hub: Hub, name: str, password: str):
        self.hub, self.name, self.password = hub, name, password
        self.http = requests.Session()
        self.server = f"{hub.url}/user/{name}"

    def login(self) -> None:
        page = self.http.get(f"{self.hub.url}/hub/login", timeout=30)
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
        done = self.http.post(
            f"{self.hub.url}/hub/login?next=/hub/spawn",
            data={"username": self.name, "password": self.password, "_xsrf": xsrf},
            timeout=60,
        )
        assert done.status_code < 400, (done.status_code, done.text[:500])
        assert "Invalid username or password" not in done.text
        deadline = time.monotonic() + START
        while True:  # the server starts, then the hub's OAuth gives its cookie
            got = self.http.get(f"{self.server}/lab", timeout=60)
            if got.status_code == 200 and got.url.startswith(self.server):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"{self.name}'s server did not start:\n{self.hub.tail()}")
            time.sleep(1)

    def _xsrf(self) -> str:
        for cookie in self.http.cookies:
            if cookie.name == "_xsrf" and cookie.path.startswith(f"/user/{self.name}"):
                return cookie.value
        raise AssertionError(f"no _xsrf cookie from {self.name}'s server")

    def get(self, path: str):
        got = self.http.get(f"{self.server}/{path}", timeout=60)
        assert got.status_code == 200, (path, got.status_code, got.text[:500])
        return got.json()

    def post(self, path: str, **data):
        done = self.http.post(
            f"{self.server}/{path}",
            data=data,
            headers={"X-XSRFToken": self._xsrf()},
            timeout=300,
        )
        assert done.status_code == 200, (path, done.status_code, done.text[:1000])
        return done.json()

    def put_json(self, path: str, body: dict) -> None:
        done = self.http.put(
            f"{self.server}/{path}",
            json=body,
            headers={"X-XSRFToken": self._xsrf()},
            timeout=60,
        )
        assert done.status_code in (200, 201), (path, done.status_code, done.text[:500])


def complete(member: Member, answers: dict[str, str]) -> None:
    """Write answers into the fetched lab through the server's contents API (as saving
    from JupyterLab does)."""
    path = f"api/contents/{LAB}/{LAB}.ipynb"
    model = member.get(f"{path}?content=1")
    for cell in model["content"]["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    member.put_json(path, {"type": "notebook", "format": "json", "content": model["content"]})


def solution_answers() -> dict[str, str]:
    """The right answers, as a student would write them (without nbgrader's markers)."""
    nb = read(ROOT / "solutions" / LAB / f"{LAB}.ipynb")
    markers = ("### BEGIN SOLUTION", "### END SOLUTION")
    return {
        nbgrader_meta(c)["grade_id"]: "\n".join(
            line for line in c.source.splitlines() if not line.strip().startswith(markers)
        )
        for c in nb.cells
        if nbgrader_meta(c).get("solution")
    }


# -- the browser --------------------------------------------------------------------------------
def browser_session(tmp: Path):
    from test_browser import chromium

    return chromium(tmp)


def browser_login(page, hub: Hub, name: str, password: str) -> None:
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(f"{hub.url}/user/{name}/lab**", timeout=START * 1000)
    page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=START * 1000)


def open_assignments(page) -> None:
    page.click('.lm-MenuBar-itemLabel:text-is("Nbgrader")')
    page.click('.lm-Menu-itemLabel:text-is("Assignment List")')
    page.wait_for_selector("#released_assignments_list", timeout=60_000)


ACTIVE = """() => {
  const cell = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-active');
  return cell ? Number(cell.dataset.windowedListIndex) : -1;
}"""


def type_answers(page, hub: Hub, name: str, answers: dict[str, str]) -> None:
    """Open the fetched lab in JupyterLab and type each answer into its cell, as a student
    does: walk down to the cell (J), edit it (Enter), replace its text, leave it (Escape);
    then save (Ctrl+S)."""
    released = read(ROOT / "labs" / LAB / f"{LAB}.ipynb")
    where = {nbgrader_meta(c).get("grade_id"): i for i, c in enumerate(released.cells)}
    page.goto(f"{hub.url}/user/{name}/lab/tree/{LAB}/{LAB}.ipynb")
    first = f"{PANEL} .jp-Cell[data-windowed-list-index='0'] .jp-InputPrompt"
    page.wait_for_selector(first, timeout=START * 1000)
    page.click(first)
    page.keyboard.press("Escape")
    for grade_id, source in sorted(answers.items(), key=lambda item: where[item[0]]):
        while (index := page.evaluate(ACTIVE)) < where[grade_id]:
            page.keyboard.press("j")
            page.wait_for_function(f"() => ({ACTIVE})() > {index}")
        assert index == where[grade_id], (grade_id, index)
        page.keyboard.press("Enter")
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(source)
        page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    page.wait_for_function(
        "() => !document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')",
        timeout=30_000,
    )


def click_in_row(page, section: str, button: str) -> None:
    """Click ``button`` in the row of LAB in the assignment list's ``section``."""
    row = page.locator(f"#{section} .list_item", has_text=LAB)
    row.get_by_role("button", name=button, exact=True).click()


# -- the round of a lab ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def student_dist(machine):
    """make student-dist, into a folder every user can read (the lessons come from it)."""
    import importlib.util

    # by its path: a course copy of another test may have put its own tools/ on sys.path
    spec = importlib.util.spec_from_file_location(
        "student_dist", ROOT / "tools" / "student_dist.py"
    )
    dist = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dist)
    folder, _ = dist.build(machine.base / "dist")
    return folder


@pytest.fixture(scope="module")
def term(machine, student_dist, tmp_path_factory):
    m = machine
    klass = write_class_file(m, student_dist, _free_port())
    course = instructor_course(m, klass.course_folder)
    secret = (m.home(m.instructor) / ".config" / "censorsim" / "grading-secret").read_text()
    ada, bob = m.students
    record: dict = {"course": course, "secret": secret.strip(), "class": klass}
    with running_hub(m, klass) as hub, browser_session(tmp_path_factory.mktemp("chromium")) as b:
        record["hub"] = hub
        # 1. the instructor generates and releases the lab from the formgrader
        teacher = Member(hub, m.instructor, m.passwords[m.instructor])
        teacher.login()
        record["assign"] = teacher.post(f"formgrader/api/assignment/{LAB}/assign")
        record["release"] = teacher.post(f"formgrader/api/assignment/{LAB}/release")
        # 2. Ada, in the browser: fetch, complete, submit in the Assignments tab
        page = b.new_page()
        browser_login(page, hub, ada, m.passwords[ada])
        open_assignments(page)
        click_in_row(page, "released_assignments_list", "Fetch")
        page.wait_for_selector(f"#fetched_assignments_list .list_item:has-text('{LAB}')")
        type_answers(page, hub, ada, solution_answers())
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "hub-ada-answered.png"))
        open_assignments(page)
        click_in_row(page, "fetched_assignments_list", "Submit")
        page.wait_for_selector(f"#submitted_assignments_list .list_item:has-text('{LAB}')")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "hub-ada-submitted.png"))
        # ... Bob over HTTP, with one task wrong
        bob_http = Member(hub, bob, m.passwords[bob])
        bob_http.login()
        record["bob_listed"] = bob_http.get(f"assignments?course_id={klass.course_id}")
        bob_http.post("assignments/fetch", course_id=klass.course_id, assignment_id=LAB)
        complete(bob_http, {**solution_answers(), "dns_answer_answer": WRONG})
        record["bob_submit"] = bob_http.post(
            "assignments/submit", course_id=klass.course_id, assignment_id=LAB
        )
        # 3. the instructor collects, autogrades, and releases feedback
        record["collect"] = teacher.post(f"formgrader/api/assignment/{LAB}/collect")
        record["autograde"] = {
            s: teacher.post(f"formgrader/api/submission/{LAB}/{s}/autograde") for s in m.students
        }
        record["scores"] = teacher.get(f"formgrader/api/submissions/{LAB}")
        record["feedback"] = teacher.post(f"formgrader/api/assignment/{LAB}/generate_feedback")
        record["released"] = teacher.post(f"formgrader/api/assignment/{LAB}/release_feedback")
        # ... each student fetches their own
        page.reload()
        page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=60_000)
        open_assignments(page)
        click_in_row(page, "submitted_assignments_list", "Fetch Feedback")
        page.wait_for_selector("#submitted_assignments_list :text('view feedback')", timeout=60_000)
        bob_http.post("assignments/fetch_feedback", course_id=klass.course_id, assignment_id=LAB)
        page.screenshot(path=str(ARTIFACTS / "hub-ada-feedback.png"))
        page.close()
    return record


# -- the checks ---------------------------------------------------------------------------------
def test_the_instructor_releases_through_the_exchange(machine, term):
    assert term["assign"]["success"], term["assign"]
    assert term["release"]["success"], term["release"]
    outbound = machine.exchange / term["class"].course_id / "outbound" / LAB / f"{LAB}.ipynb"
    text = outbound.read_text()
    assert "### BEGIN HIDDEN TESTS" not in text and "### BEGIN SOLUTION" not in text
    assert term["bob_listed"]["success"], term["bob_listed"]
    listed = {a["assignment_id"]: a["status"] for a in term["bob_listed"]["value"]}
    assert listed.get(LAB) == "released", term["bob_listed"]


def test_each_student_is_graded_in_the_sandbox(machine, term):
    ada, bob = machine.students
    assert term["collect"]["success"], term["collect"]
    for student, result in term["autograde"].items():
        assert result["success"], (student, result.get("log", result)[-3000:])
        assert "sandbox" not in result.get("error", "")
    scores = {s["student"]: (s["score"], s["max_score"]) for s in term["scores"]}
    solution = read(ROOT / "solutions" / LAB / f"{LAB}.ipynb")
    top = sum(
        float(nbgrader_meta(c)["points"]) for c in solution.cells if nbgrader_meta(c).get("grade")
    )
    lost = points_of_answer(solution, "dns_answer_answer")
    assert 0 < lost < top
    assert scores == {ada: (top, top), bob: (top - lost, top)}, scores


def _text(html: str) -> str:
    """What a feedback page says, without its markup (code is highlighted span by span)."""
    import html as entities

    return entities.unescape(re.sub(r"<[^>]+>", "", html))


def test_feedback_reaches_the_right_student(machine, term):
    ada, bob = machine.students
    assert term["feedback"]["success"], term["feedback"].get("log", term["feedback"])[-3000:]
    assert term["released"]["success"], term["released"].get("log", term["released"])[-3000:]
    scores = {s["student"]: (s["score"], s["max_score"]) for s in term["scores"]}
    for student in (ada, bob):
        found = list((machine.home(student) / LAB / "feedback").glob(f"*/{LAB}.html"))
        assert len(found) == 1, (student, found)
        text = _text(found[0].read_text())
        shown = re.search(r"\(Score: ([\d.]+) / ([\d.]+)\)", text)
        assert shown and tuple(map(float, shown.groups())) == scores[student], student
        # the page shows the student's own answers: Bob's wrong one is on his page only
        assert (WRONG.strip() in text) == (student == bob), student
        assert term["secret"] not in text
    assert scores[ada] != scores[bob]


def test_lessons_are_copied_into_each_home_from_the_student_distribution(machine, student_dist):
    lessons = sorted(p.name for p in (student_dist / "lessons").glob("*.ipynb"))
    for user in (*machine.students, machine.instructor):
        home = machine.home(user)
        assert sorted(p.name for p in (home / "lessons").glob("*.ipynb")) == lessons, user
        assert (home / "lessons").stat().st_uid == pwd.getpwnam(user).pw_uid


PROBE = """
import json, os, sys
found = {}
for path in sys.argv[1:]:
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").read(1)
        found[path] = "read"
    except PermissionError:
        found[path] = "denied"
    except FileNotFoundError:
        found[path] = "missing"
print(json.dumps(found))
"""


def test_nobody_reads_what_is_not_theirs(machine, term):
    m = machine
    ada, bob = m.students
    course = term["course"]
    inbound = m.exchange / term["class"].course_id / "inbound"
    submissions = sorted(inbound.iterdir())  # as root: the test knows where they are
    assert len(submissions) == 2 and all("+" in p.name for p in submissions), submissions
    secret_file = m.home(m.instructor) / ".config" / "censorsim" / "grading-secret"
    feedback = m.exchange / term["class"].course_id / "feedback"
    for student, other in ((ada, bob), (bob, ada)):
        theirs = m.home(other)
        paths = [
            inbound,  # a folder students write into and cannot list
            feedback,  # the same: each finds only their own, by its hash
            theirs,
            theirs / LAB / f"{LAB}.ipynb",
            course / "grading" / "submitted" / other / LAB / f"{LAB}.ipynb",
            course / "solutions" / LAB / f"{LAB}.ipynb",
            course / "grading" / "gradebook.db",
            secret_file,
            m.base / "state" / "jupyterhub.sqlite",
        ]
        done = m.as_user(student, str(m.python), "-c", PROBE, *map(str, paths))
        seen = json.loads(done.stdout)
        assert {p: v for p, v in seen.items() if v != "denied"} == {}, (student, seen)
        # while their own work is theirs
        own = m.home(student) / LAB / f"{LAB}.ipynb"
        done = m.as_user(student, str(m.python), "-c", PROBE, str(own))
        assert json.loads(done.stdout) == {str(own): "read"}

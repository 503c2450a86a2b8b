"""A simulated class, graded as `make grade` grades it (issue 13).

Broken, hostile and cheating submissions of lab00 are handed in with a correct one, and
the class is graded in one run with the sandbox required (bubblewrap):

* broken submissions are "not graded", with the reason, and the others are graded: a kernel
  killed by ``os._exit``, a cell that ignores interrupts, a notebook past its time cap, a
  grade flag flipped in the JSON, an answer cell deleted with the test cell after it, a
  renamed notebook, truncated JSON; a row whose submission is gone is dropped; an answer
  past the memory cap loses its own task only;
* hostile submissions gain nothing: reading solutions/ from disk, listing the classmates'
  submissions, writing into the gradebook's folder, connecting to the grader's loopback,
  reading the notebook that holds the hidden tests; the kernel's environment holds the
  student's own seed, never the course's secret. The same two submissions graded WITHOUT
  the sandbox succeed, which shows it is the sandbox that stops them;
* cheating answers score nothing: replacing the checks of ``cs.grading``, reading the test
  cells' globals, an object equal to everything, IPython's displayhook (which nbgrader
  would read as points), a forbidden helper imported under another name (lab01); code that
  walks the interpreter's frames is flagged for review; a correct answer that chatters on
  stderr keeps full marks; the feedback shows a student's own seed, never the secret;
* a mutant graded by nbgrader gets the points tests/mutation.py predicts (the two ways of
  grading agree);
* the secret reaches the kernel of every path through nbgrader_config.py alone: the
  formgrader's Autograde button (NbGraderAPI) and nbgrader's command line, run with a
  clean environment; a malformed or missing secret stops grading with a clear message;
* nbgrader release_feedback works for submissions placed by hand;
* ``make check`` grades a self-learner's notebook with the hidden tests and prints points
  and hints per task, not the hidden tests' code.
"""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import IN_CI, require_program
from mutation import load_mutants, run_lab
from nbgrader_helpers import (
    REPO,
    autograding,
    grade_cells,
    grading_secret,
    lab_notebooks,
    make_course,
    nbgrader_meta,
    read,
    submit,
    tasks,
)

pytestmark = pytest.mark.slow

LAB = "lab00-warmup"
LAB01 = "lab01-dns"  # for the one attack lab00 cannot show: a forbidden helper imported
SECRET = "the-class-secret-for-these-tests-0123456789"
ANSWERS = ["dropped_at_answer", "dns_answer_answer", "failed_stage_answer"]
CELL_TIMEOUT = 3  # seconds per cell in the test course (the real config says 60)
NOTEBOOK_TIMEOUT = 8  # seconds per notebook (600)
LAB01_CELL_TIMEOUT, LAB01_NOTEBOOK_TIMEOUT = 30, 120  # for the forbidden-import student


@pytest.fixture(scope="module")
def bubblewrap():
    require_program("bwrap")
    works, why = autograding.bubblewrap_status()
    if not works:
        if IN_CI:
            pytest.fail(f"the grading sandbox must work in CI: {why}")
        pytest.skip(why)


def _solution() -> dict[str, str]:
    nb = read(REPO / "solutions" / LAB / f"{LAB}.ipynb")
    return {nbgrader_meta(c)["grade_id"]: c.source for c in nb.cells if nbgrader_meta(c)}


def _with_answers(answers: dict[str, str]):
    """The solution notebook with some answer cells replaced."""
    nb = read(REPO / "solutions" / LAB / f"{LAB}.ipynb")
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def _all(template: str) -> dict[str, str]:
    """The same code in every answer cell; ``{answer}`` is the cell's grade_id."""
    return {answer: template.replace("{answer}", answer) for answer in ANSWERS}


STEAL = textwrap.dedent(
    """
    import json
    import pathlib

    import censorsim as cs


    def _steal(answer_id):
        folders = [pathlib.Path(cs.__file__).resolve().parents[2] / "solutions"]
        folders += [parent / "solutions" for parent in pathlib.Path.cwd().parents]
        for folder in folders:
            for path in folder.glob("*/*.ipynb") if folder.is_dir() else []:
                for cell in json.loads(path.read_text())["cells"]:
                    if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == answer_id:
                        return "".join(cell["source"])
        return None


    _code = _steal("{answer}")
    print("STOLEN" if _code else "NOTHING TO STEAL")
    if _code:
        exec(_code)
    else:
        dropped_at = dns_answer = failed_stage = lambda trace: None
    """
)

SNOOP = textwrap.dedent(
    """
    import os
    import pathlib
    import socket

    here = pathlib.Path.cwd()
    grading = here.parents[2]  # grading/autograded/<student>/<lab>
    for folder in (grading / "submitted", grading / "autograded", here.parent.parent):
        try:
            print("LISTED", folder, sorted(os.listdir(folder)))
        except OSError as error:
            print("CANNOT LIST", folder, type(error).__name__)
    for target in (grading / "pwned.txt", grading / "gradebook.db"):
        try:
            with open(target, "a") as out:
                out.write("pwned")
            print("WROTE", target)
        except OSError as error:
            print("CANNOT WRITE", target, type(error).__name__)
    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=2).close()
        print("CONNECTED")
    except OSError as error:
        print("CANNOT CONNECT", type(error).__name__)
    print("NOTEBOOK", len(open(next(here.glob("*.ipynb"))).read()))
    with open("/tmp/scratch.txt", "w") as out:  # a scratch folder of its own
        print("SCRATCH", out.write("ok"))
    print("ENVIRONMENT", dict(os.environ))
    """
)


def _class(port: int) -> dict[str, dict]:
    """``{student: {file name: notebook}}`` for the whole class (JSON text for broken files)."""
    solution = _solution()
    name = f"{LAB}.ipynb"
    source = read(REPO / "solutions" / LAB / name)

    def nb(answers):
        return {name: _with_answers(answers)}

    flipped = copy.deepcopy(source)
    for cell in flipped.cells:
        if nbgrader_meta(cell).get("grade_id") == "dropped_hop_hidden":
            cell.metadata.nbgrader["grade"] = False
    deleted = copy.deepcopy(source)
    deleted.cells = [
        c
        for c in deleted.cells
        if nbgrader_meta(c).get("grade_id") not in ("dns_answer_answer", "dns_answer_visible")
    ]
    sorted_mutant = next(m for m in load_mutants(LAB) if m.name == "dns_answer_sorted")
    stderr_chatter = {
        answer: solution[answer].replace(
            '    """\n', '    """\n    import sys\n\n    print("debugging", file=sys.stderr)\n', 1
        )
        for answer in ANSWERS
    }
    return {
        "solution": {name: source},
        "stderr-chatter": nb(stderr_chatter),
        "os-exit": nb({"dns_answer_answer": "import os\n\nos._exit(3)"}),
        "hang": nb(
            {
                "failed_stage_answer": "import signal\nimport time\n\n"
                "signal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.01)"
            }
        ),
        "slow": nb({a: "import time\n\ntime.sleep(2.6)\n" + solution[a] for a in ANSWERS}),
        "memory-hog": nb({"dns_answer_answer": "hog = bytearray(8 * 2**30)"}),
        "flipped": {name: flipped},
        "deleted": {name: deleted},
        "renamed": {f"Copy of {name}": source},
        "truncated": {name: json.dumps(source)[:6000]},
        "reads-solutions": nb(_all(STEAL)),
        "snoop": nb(
            {"dropped_at_answer": SNOOP.replace("PORT", str(port)) + solution["dropped_at_answer"]}
        ),
        "replaces-checks": nb(
            {
                "dropped_at_answer": "import censorsim as cs\n\ntry:\n"
                "    cs.grading.check = lambda *a, **k: print('✔')\nexcept AttributeError:\n"
                "    pass\nfor _name in ('check', 'check_equal', 'same'):\n"
                "    vars(cs.grading)[_name] = lambda *a, **k: True\n\n\n"
                "def dropped_at(trace):\n    return 'movinet'",
                "dns_answer_answer": "def dns_answer(trace):\n    return ['127.0.0.1']",
                "failed_stage_answer": "def failed_stage(trace):\n    return 'tls'",
            }
        ),
        "reads-globals": nb(
            {
                "dropped_at_answer": "def dropped_at(trace):\n    return globals()['_expected']",
                "dns_answer_answer": "def dns_answer(trace):\n"
                "    return [str(a) for a in globals()['_r'].dns.addresses]",
                "failed_stage_answer": "def failed_stage(trace):\n    return globals()['_r'].stage",
            }
        ),
        "always-equal": nb(
            _all(
                "class _Yes(list):\n    def __eq__(self, other):\n        return True\n\n"
                "    __hash__ = object.__hash__\n\n\n"
                "dropped_at = dns_answer = failed_stage = lambda trace: _Yes()"
            )
        ),
        "displayhook": nb(
            _all(
                "def dropped_at(trace):\n    get_ipython().displayhook(99)\n    return 'x'\n\n\n"
                "dns_answer = failed_stage = dropped_at"
            )
        ),
        "frame-walker": nb(
            {
                "failed_stage_answer": "import sys\n\n\ndef failed_stage(trace):\n"
                "    frame = sys._getframe(1)\n    while frame is not None:\n"
                "        if 'r' in frame.f_locals and hasattr(frame.f_locals['r'], 'stage'):\n"
                "            return frame.f_locals['r'].stage\n        frame = frame.f_back\n"
                "    return None"
            }
        ),
        "mutant": nb({sorted_mutant.answer: sorted_mutant.source}),
    }


def _forbidden_import():
    """lab01 with the two forbidden helpers imported in the answer cells, under other names."""
    nb = read(REPO / "solutions" / LAB01 / f"{LAB01}.ipynb")
    answers = {
        "decode_answers_answer": "import ipaddress\n\nfrom dns.message import from_wire as _parse\n"
        "\n\ndef decode_answers(wire):\n    return [\n"
        "        (str(ipaddress.ip_address(rd.address)), rrset.ttl)\n"
        "        for rrset in _parse(wire).answer\n        if rrset.rdtype in (1, 28)\n"
        "        for rd in rrset\n    ]",
        "blocked_answer": "from censorsim import Blocklist as _List\n\n_keep = [_List]\n\n\n"
        "def blocked(name, entries):\n"
        "    return _keep[0](entries, match='suffix').matches(name)",
    }
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def _hand_in(root: Path, students: dict[str, dict]) -> None:
    for student, files in students.items():
        folder = root / "grading" / "submitted" / student / LAB
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            if isinstance(content, str):
                (folder / name).write_text(content)
            else:
                submit(root, student, LAB, {name: content})


@pytest.fixture(scope="module")
def listener():
    """A TCP server on the grader's loopback: a sandboxed kernel must not reach it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def _connections(server) -> int:
    count = 0
    while True:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


@pytest.fixture(scope="module")
def graded(tmp_path_factory, bubblewrap, listener):
    root = make_course(
        tmp_path_factory.mktemp("class"),
        timeout=CELL_TIMEOUT,
        notebook_timeout=NOTEBOOK_TIMEOUT,
        sandbox="bubblewrap",
    )
    students = _class(listener.getsockname()[1])
    _hand_in(root, students)
    submit(root, "forbidden-import", LAB01, {f"{LAB01}.ipynb": _forbidden_import()})
    grading = root / "grading"
    with grading_secret(SECRET):
        tasks.sync_gradebook(root, [LAB, LAB01])
        before = sorted(p.name for p in grading.iterdir())
        gradebook = (grading / "gradebook.db").read_bytes()
        outcomes = tasks.autograde(root, [LAB])
        # lab01's hidden tests build dozens of worlds: on a loaded machine they need more
        # than the caps that make lab00's slow and endless students quick to test
        with (root / "nbgrader_config.py").open("a") as config:
            config.write(f"c.Execute.timeout = {LAB01_CELL_TIMEOUT}\n")
            config.write(f"c.CourseExecute.notebook_timeout = {LAB01_NOTEBOOK_TIMEOUT}\n")
        outcomes |= tasks.autograde(root, [LAB01])
    return {
        "root": root,
        "outcomes": {s: o for (s, lab), o in outcomes.items() if lab == LAB},
        "lab01": outcomes["forbidden-import", LAB01],
        "students": students,
        "before": before,
        "gradebook": gradebook,
        "connections": _connections(listener),
    }


def _outputs(graded, student: str) -> str:
    nb = read(graded["root"] / "grading" / "autograded" / student / LAB / f"{LAB}.ipynb")
    return "\n".join(
        o.get("text", "") + str(o.get("data", "")) + o.get("ename", "") + o.get("evalue", "")
        for c in nb.cells
        for o in c.get("outputs", [])
    )


def _points(graded, student: str) -> float:
    outcome = graded["outcomes"][student]
    assert outcome.graded, f"{student} was not graded: {outcome.reason}"
    return outcome.points


def test_every_submission_is_graded_or_not_graded_with_a_reason(graded):
    assert set(graded["outcomes"]) == set(graded["students"])
    reasons = {s: o.reason for s, o in graded["outcomes"].items() if not o.graded}
    expected = {
        "os-exit": "kernel died while running cell dns_answer_answer",
        "hang": "cell failed_stage_answer ran past the 3 s limit of a cell and did not stop",
        "slow": f"longer than {NOTEBOOK_TIMEOUT} s in all (time cap)",
        "flipped": "metadata of cell dropped_hop_hidden was changed",
        "deleted": "answer cell was deleted together with the test cell after it",
        "renamed": "no lab00-warmup.ipynb in the submission (it holds Copy of lab00-warmup",
        "truncated": "not a valid notebook file",
    }
    assert set(reasons) == set(expected), reasons
    for student, words in expected.items():
        assert words in reasons[student], (student, reasons[student])
    assert _points(graded, "solution") == 10.0
    # past the memory cap, a MemoryError in its own cell: that task only
    assert _points(graded, "memory-hog") == 7.0
    assert "MemoryError" in _outputs(graded, "memory-hog")


def test_the_score_table_says_not_graded_and_why(graded):
    table = tasks.format_scores(tasks.outcomes(graded["root"]))
    header, *lines = table.splitlines()
    assert header.split() == ["student", LAB, LAB01]
    rows = {line.split()[0]: line for line in lines[: len(graded["students"]) + 1]}
    assert rows["solution"].split()[1:] == ["10/10", "-"]
    assert rows["os-exit"].split()[1:] == ["not", "graded", "-"]
    assert rows["forbidden-import"].split()[1:] == ["-", "19/25"]
    assert "not graded:\n" in table and "  os-exit, lab00-warmup: the kernel died" in table
    assert "read by hand" in table and "frame-walker, lab00-warmup:" in table
    # a submission that is gone loses its row
    folder = graded["root"] / "grading" / "submitted" / "renamed"
    moved = folder.rename(folder.with_name("renamed-gone"))
    try:
        assert ("renamed", LAB) not in tasks.outcomes(graded["root"])
    finally:
        moved.rename(folder)


def test_hostile_submissions_get_nothing_in_the_sandbox(graded):
    assert _points(graded, "reads-solutions") == 0.0
    assert "NOTHING TO STEAL" in _outputs(graded, "reads-solutions")
    text = _outputs(graded, "snoop")
    assert _points(graded, "snoop") == 10.0  # graded as usual, but it learnt nothing
    listings = [line for line in text.splitlines() if line.startswith("LISTED")]
    assert listings and all(line.endswith("['snoop']") for line in listings), listings
    # (inside the sandbox a write may land in bubblewrap's own throwaway folders; none
    # reaches the grader's disk, as the end of this test checks)
    assert "CANNOT CONNECT" in text and graded["connections"] == 0
    assert "NOTEBOOK 0" in text  # the notebook with the hidden tests is hidden from it
    assert "SCRATCH 2" in text
    environment = text[text.index("ENVIRONMENT") :]
    assert SECRET not in environment
    assert autograding.student_seed(SECRET, "snoop") in environment
    grading = graded["root"] / "grading"
    assert not (grading / "pwned.txt").exists()
    assert b"pwned" not in (grading / "gradebook.db").read_bytes()


@pytest.fixture(scope="module")
def unsandboxed(tmp_path_factory, listener, graded):
    """The two hostile submissions again, in a course whose sandbox is off."""
    root = make_course(tmp_path_factory.mktemp("no-sandbox"), sandbox="off")
    port = listener.getsockname()[1]
    students = {s: f for s, f in _class(port).items() if s in ("reads-solutions", "snoop")}
    students["classmate"] = _class(port)["solution"]
    _hand_in(root, students)
    with grading_secret(SECRET):
        outcomes = tasks.autograde(root, [LAB])
    return root, {s: o for (s, _), o in outcomes.items()}, _connections(listener)


def test_without_the_sandbox_the_same_attacks_work(unsandboxed):
    """What the sandbox prevents, shown: the tests above could fail."""
    root, outcomes, connections = unsandboxed
    assert outcomes["reads-solutions"].points == 10.0  # full marks from solutions/
    nb = read(root / "grading" / "autograded" / "snoop" / LAB / f"{LAB}.ipynb")
    text = "\n".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "classmate" in text and "WROTE" in text and connections >= 1
    assert (root / "grading" / "pwned.txt").exists()


def test_forbidden_helpers_imported_under_other_names_still_fail(graded):
    """The visible tests allow the shortcut; the hidden ones (3 + 3 points) do not."""
    outcome = graded["lab01"]
    assert outcome.graded and outcome.points == outcome.max_points - 6, outcome
    nb = read(
        graded["root"] / "grading" / "autograded" / "forbidden-import" / LAB01 / f"{LAB01}.ipynb"
    )
    text = "".join(o.get("evalue", "") for c in grade_cells(nb) for o in c.get("outputs", []))
    assert "may not call dns.message.from_wire" in text and "may not use cs.Blocklist" in text


def test_feedback_shows_the_students_seed_never_the_secret(graded):
    root = graded["root"]
    assert tasks.generate_feedback(root, [LAB], student="snoop") == [LAB]
    html = (root / "grading" / "feedback" / "snoop" / LAB / f"{LAB}.html").read_text()
    assert autograding.student_seed(SECRET, "snoop") in html and SECRET not in html


def test_cheating_answers_score_nothing(graded):
    for student in ("replaces-checks", "reads-globals", "always-equal", "displayhook"):
        assert _points(graded, student) == 0.0, student
    assert _points(graded, "stderr-chatter") == 10.0  # stderr costs a right answer nothing
    flags = graded["outcomes"]["frame-walker"].flags
    assert any("._getframe" in f for f in flags) and any(".f_locals" in f for f in flags)
    assert any("vars()" in f for f in graded["outcomes"]["replaces-checks"].flags)
    assert graded["outcomes"]["solution"].flags == []


def test_nbgrader_and_the_mutation_harness_agree(graded):
    mutant = next(m for m in load_mutants(LAB) if m.name == "dns_answer_sorted")
    run = run_lab(LAB, autograding.student_seed(SECRET, "mutant"), [mutant])
    lost = sum(run.maximum[g] - p for g, p in run.mutants[mutant.name].items())
    assert lost > 0
    assert _points(graded, "mutant") == sum(run.maximum.values()) - lost


def _clean_environment(home: Path) -> dict[str, str]:
    """What the formgrader's server might have: no CENSORSIM_* variable, another HOME."""
    keep = ("LANG", "TERM")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.defpath])
    env["HOME"] = str(home)
    return env


def test_every_nbgrader_path_reads_the_secret_from_the_config(graded, tmp_path):
    """The formgrader's Autograde button (NbGraderAPI.autograde) and `nbgrader autograde`
    both get each student's seed, with nothing in their environment."""
    root = graded["root"]
    secret = "the-formgrader-secret-0123456789-abcdef"
    config = tmp_path / "home" / ".config" / "censorsim"
    config.mkdir(parents=True)
    (config / "grading-secret").write_text(secret + "\n")
    os.chmod(config / "grading-secret", 0o600)
    env = _clean_environment(tmp_path / "home")
    probe = _with_answers({"dropped_at_answer": _solution()["dropped_at_answer"]})
    probe.cells[2].source += "\nimport os\nprint('SEED', os.environ.get('CENSORSIM_GRADING_SEED'))"
    for student in ("button", "command-line"):
        submit(root, student, LAB, {f"{LAB}.ipynb": probe})
    api = (
        "from nbgrader.apps import NbGraderAPI\n"
        "from traitlets.config.loader import PyFileConfigLoader\n"
        "config = PyFileConfigLoader('nbgrader_config.py', path='.').load_config()\n"
        f"result = NbGraderAPI(config=config).autograde({LAB!r}, 'button')\n"
        "assert result['success'], result\n"
    )
    for command in (
        [sys.executable, "-c", api],
        [str(Path(sys.executable).parent / "nbgrader"), "autograde", LAB, "--student=command-line"],
    ):
        done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    for student in ("button", "command-line"):
        nb = read(root / "grading" / "autograded" / student / LAB / f"{LAB}.ipynb")
        printed = "".join(o.get("text", "") for o in nb.cells[2].get("outputs", []))
        assert f"SEED {autograding.student_seed(secret, student)}" in printed, printed


@pytest.mark.parametrize("secret", ["too-short", None])
def test_a_malformed_or_missing_secret_stops_grading(graded, secret, capsys):
    root = graded["root"]
    status = (root / "grading" / tasks.STATUS_FILE).read_text()
    with grading_secret(secret):
        assert tasks.main(["grade", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert ("at least 32" if secret else "no grading secret") in err and "make secret" in err
    assert (root / "grading" / tasks.STATUS_FILE).read_text() == status  # nothing graded


def test_release_feedback_works_for_submissions_placed_by_hand(graded, tmp_path):
    root = graded["root"]
    folder = root / "grading" / "submitted" / "solution" / LAB
    assert (folder / "timestamp.txt").read_text().endswith("UTC")
    assert tasks.generate_feedback(root, [LAB], student="solution") == [LAB]
    exchange = tmp_path / "exchange"  # nbgrader's exchange: a folder everyone may write
    exchange.mkdir(mode=0o777)
    exchange.chmod(0o777)
    tasks.run_nbgrader(
        root,
        "release_feedback",
        LAB,
        "--student=solution",
        f"--Exchange.root={exchange}",
    )
    released = list((exchange / "censorship-course" / "feedback").glob("*.html"))
    assert len(released) == 1 and "10" in released[0].read_text()


def test_make_check_prints_points_and_hints_not_the_hidden_code(bubblewrap, tmp_path):
    mutant = next(m for m in load_mutants(LAB) if m.name == "dns_answer_sorted")
    notebook = tmp_path / "mine.ipynb"
    blank = read(lab_notebooks(REPO, "release", LAB)[0])
    for cell in blank.cells:  # a self-learner's copy of labs/: two answers right, one wrong
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in ANSWERS:
            cell.source = mutant.source if grade_id == mutant.answer else _solution()[grade_id]
    notebook.write_text(json.dumps(blank))
    lines: list[str] = []
    outcome = tasks.self_check(LAB, notebook, out=lines.append)
    text = "\n".join(lines)
    assert outcome.graded and 0 < outcome.points < outcome.max_points
    assert "✔ task 1 (dropped_at): 3/3" in text and "✔ task 3 (failed_stage): 4/4" in text
    assert "✘ task 2 (dns_answer): 1/3" in text
    assert "several addresses, not in sorted order" in text  # the hint of the hidden test
    assert "hint:" in text and f"total: {outcome.points:g}/10" in text
    hidden = [c.source for c in grade_cells(read(REPO / "solutions" / LAB / f"{LAB}.ipynb"))]
    code_lines = {line.strip() for source in hidden for line in source.splitlines()}
    code_lines = {line for line in code_lines if len(line) > 25 and not line.startswith(('"', "f"))}
    assert not [line for line in code_lines if line in text]
    assert "BEGIN HIDDEN TESTS" not in text and "fresh random seed" in text


def test_grading_prints_one_line_per_submission_and_no_library_chatter(graded, capfd):
    """make grade's screen stays readable: regrading the submissions whose grading makes
    nbgrader and its libraries talk (a cell whose grade flag was flipped: nbgrader's
    "Inconsistent checksums"; a deleted test cell; a submission that exits the kernel)
    prints one line each and nothing else, on stdout or stderr; the talk goes to the log."""
    root = graded["root"]
    chatty = {"flipped", "deleted", "os-exit"}
    lines: list[str] = []
    with grading_secret(SECRET):
        outcomes = tasks.autograde(
            root, [LAB], students=chatty, progress=lambda o: lines.append(o.student)
        )
    out, err = capfd.readouterr()
    assert sorted(lines) == sorted(chatty) and {s for s, _ in outcomes} == chatty
    for noise in ("SQLAlchemy", "Inconsistent checksums", "Traceback", "Warning", "[AutogradeApp"):
        assert noise not in out + err, (noise, out[-2000:], err[-2000:])

"""Memory of one student's server with lessons 00 to 02 open: what a class server must give
each student (the Kubernetes values in hub/kubernetes/values.yaml are sized from it).

What it measures
----------------
A student's JupyterLab server as the class server starts it (the student set-up of
hub/jupyter/student, on loopback, in a temporary copy of lessons/), then one notebook
session per lesson, 00, 01 and 02, opened through the server's REST API as JupyterLab opens
them, each lesson run top to bottom in its kernel (every code cell, in order). With the three
kernels still open, the memory of the server and its kernels is read from /proc:

* PSS (proportional set size, smaps_rollup): each process's own pages plus its share of
  pages it shares with the others (libraries): the sum is close to what a container's
  memory cgroup is charged, the figure a Kubernetes memory limit is held against;
* RSS: each process's resident pages, shared ones counted in every process (an upper bound);
* peak: each process's highest RSS so far (VmHWM), summed: the worst moment of the session.

The server alone (before any lesson) is reported too, so the cost of each open lesson shows.
From these, a memory guarantee (the PSS with lessons open, rounded up to 128 MiB) and a
limit (the summed peak plus half again, rounded up to 256 MiB) are printed; nothing is
asserted. Lesson 03 and the labs are left out, as the issue asks (00-02 open at once is the
heaviest state of a usual session in the first weeks); a student who opens more kernels uses
more, which is why the limit has headroom and the idle culler stops forgotten servers.

Run: ``.venv/bin/python benchmarks/bench_student_server.py`` (about a minute).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
from _common import met, write_summary
from jupyter_client import BlockingKernelClient

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ("00-", "01-", "02-")
STUDENT = ROOT / "hub" / "jupyter" / "student"
CELL_TIMEOUT = 300  # seconds: a hang guard
TARGET_MIB = 2048  # Binder's ceiling: a course that fits it fits a class server's share
MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc's parent links)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def memory(pid: int) -> dict[str, float]:
    """PSS, RSS and peak RSS of one process, in MiB (0 for a process that is gone)."""
    figures = {"pss": 0.0, "rss": 0.0, "peak": 0.0}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    figures["pss"] = int(line.split()[1]) / 1024
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    figures["rss"] = int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    figures["peak"] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return figures


def total(pids: list[int]) -> dict[str, float]:
    sums = {"pss": 0.0, "rss": 0.0, "peak": 0.0}
    for pid in pids:
        for key, value in memory(pid).items():
            sums[key] += value
    return sums


def request(url: str, token: str, method: str = "GET", body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"token {token}")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as response:
        return json.loads(response.read() or b"null")


def run_lesson(connection_file: Path, notebook: Path) -> tuple[int, list[str]]:
    """Every code cell of ``notebook`` in the kernel of ``connection_file``: (cells, errors)."""
    client = BlockingKernelClient(connection_file=str(connection_file))
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        errors, cells = [], 0
        for cell in nbformat.read(notebook, as_version=4).cells:
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            cells += 1
            reply = client.execute_interactive(
                cell.source, timeout=CELL_TIMEOUT, output_hook=lambda msg: None
            )
            if reply["content"]["status"] != "ok":
                errors.append(f"cell {cells}: {reply['content'].get('ename')}")
        return cells, errors
    finally:
        client.stop_channels()


def round_up(value: float, step: int) -> int:
    return int(-(-value // step) * step)


def main() -> int:
    failed = False
    with tempfile.TemporaryDirectory(prefix="censorsim-student-server-") as tmp:
        tmp = Path(tmp)
        home = tmp / "home"
        shutil.copytree(
            ROOT / "lessons", home / "lessons", ignore=shutil.ignore_patterns("captures")
        )
        runtime = tmp / "runtime"
        runtime.mkdir()
        port, token = free_port(), secrets.token_hex(16)
        env = dict(
            os.environ,
            HOME=str(home),
            JUPYTER_CONFIG_PATH=str(STUDENT),
            JUPYTER_RUNTIME_DIR=str(runtime),
            JUPYTER_DATA_DIR=str(tmp / "data"),
            IPYTHONDIR=str(tmp / "ipython"),
        )
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={home}", "--LabApp.news_url=None",
        ]  # fmt: skip
        if os.geteuid() == 0:
            command.append("--allow-root")
        base = f"http://127.0.0.1:{port}"
        with open(tmp / "server.log", "w") as log:
            server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    request(f"{base}/api/status", token)
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        print((tmp / "server.log").read_text()[-3000:])
                        return 1
                    time.sleep(0.3)
            time.sleep(1.0)  # let the server settle after its first request
            alone = total(descendants(server.pid))
            print("one student's JupyterLab server (the student set-up), on loopback")
            print(
                f"  server alone: PSS {alone['pss']:6.0f} MiB   RSS {alone['rss']:6.0f} MiB   "
                f"peak {alone['peak']:6.0f} MiB"
            )
            lessons = sorted(
                p for p in (home / "lessons").glob("*.ipynb") if p.name.startswith(LESSONS)
            )
            before = alone
            for notebook in lessons:
                path = f"lessons/{notebook.name}"
                session = request(
                    f"{base}/api/sessions",
                    token,
                    "POST",
                    {"path": path, "type": "notebook", "kernel": {"name": "python3"}},
                )
                kernel = session["kernel"]["id"]
                t0 = time.perf_counter()
                cells, errors = run_lesson(runtime / f"kernel-{kernel}.json", notebook)
                seconds = time.perf_counter() - t0
                failed |= bool(errors)
                now = total(descendants(server.pid))
                print(
                    f"  + {notebook.name:34} ({cells} cells, {seconds:4.1f} s): PSS "
                    f"{now['pss']:6.0f} MiB (+{now['pss'] - before['pss']:.0f})"
                    + (f"   ERRORS: {errors}" if errors else "")
                )
                before = now
            pids = descendants(server.pid)
            final = total(pids)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    guarantee = round_up(final["pss"], 128)
    limit = round_up(final["peak"] * 1.5, 256)
    print(
        f"  with lessons 00-02 open ({len(pids) - 1} processes below the server): "
        f"PSS {final['pss']:.0f} MiB, RSS {final['rss']:.0f} MiB, summed peak "
        f"{final['peak']:.0f} MiB"
    )
    print(
        f"sizing per student: memory guarantee {guarantee} MiB (the PSS, rounded up to 128 MiB),"
        f" limit {limit} MiB (the summed peak and half again, rounded up to 256 MiB)"
    )
    print(
        "  (PSS counts shared library pages once across the processes, as a container's\n"
        "   memory cgroup does; RSS counts them in every process)"
    )
    write_summary(
        [
            {
                "name": "student server, lessons 00-02 open",
                "figure": f"{final['pss']:.0f} MiB PSS (peak {final['peak']:.0f} MiB RSS)",
                "target": f"< {TARGET_MIB} MiB",
                "met": final["peak"] < TARGET_MIB and not failed,
                "cpu": None,
            }
        ]
    )
    print(f"target: under {TARGET_MIB} MiB at the peak: {met(final['peak'] < TARGET_MIB)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

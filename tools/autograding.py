"""How this course's submissions are run when nbgrader grades them (instructors only).

``nbgrader_config.py`` loads this file and puts :class:`CourseExecute` in the place of
nbgrader's ``Execute`` when it autogrades, so ``make grade``, ``nbgrader autograde`` and
the formgrader's *Autograde* button all grade the same way:

* **a sandboxed kernel** (:class:`SandboxKernelManager`): each submission runs in a
  kernel started under bubblewrap (``bwrap``, the Debian package ``bubblewrap``), which
  sees the system's programs, the Python environment and the submission's own folder,
  read-only, plus an empty ``/tmp``; no network (a network namespace of its own), no
  other process, not the course's ``solutions/``, not the gradebook, not the other
  submissions. The kernel talks to the grader over Unix sockets in a private folder.
  ``c.CourseExecute.sandbox`` says when: ``"bubblewrap"`` (always; refuse to grade
  without it), ``"auto"`` (when bubblewrap works on this machine: the default) or
  ``"off"``;
* **each student's own hidden cases**: the kernel's only secret is
  ``CENSORSIM_GRADING_SEED``, the HMAC of the course's secret and the student's id
  (:func:`student_seed`). The secret itself (:func:`load_secret`: the environment variable
  ``CENSORSIM_GRADING_SECRET``, or the file ``~/.config/censorsim/grading-secret``, or the
  file named by ``CENSORSIM_GRADING_SECRET_FILE``) never reaches a kernel, and a missing or
  malformed secret stops grading with a message that says how to fix it;
* **a clean environment**: the kernel gets a few variables (``PATH``, ``HOME`` in its
  scratch folder, the seed), never the grader's;
* **stderr costs nothing**: nbgrader scores zero a test cell that wrote to stderr; here
  the kernel sends ``sys.stderr`` to stdout, so a stray ``print(..., file=sys.stderr)``
  or a library's warning in a correct answer costs nothing, while a failing test still
  fails (its error is an error, not a stream);
* **a time cap per notebook** (``c.CourseExecute.notebook_timeout``, on top of nbgrader's
  per-cell timeout): past it the kernel is killed and the submission is "not graded", with
  the reason; so is a submission whose kernel died (``os._exit``, a crash);
* **a memory cap** (``c.CourseExecute.memory_limit``, 4 GiB of address space): an answer
  that allocates more gets a ``MemoryError`` in its own cell instead of starving the
  grader's machine.

:func:`suspicious_code` lists answer code that reaches into the interpreter (frames,
``gc``, ``builtins``, module dictionaries, the kernel, files and processes): no check
that runs in the student's own process can stop such code, so the grader flags it for a
human to read.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import hmac
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Enum, Integer, List, Unicode

SEED_VARIABLE = "CENSORSIM_GRADING_SEED"  # censorsim.grading.SEED_VARIABLE
SECRET_VARIABLE = "CENSORSIM_GRADING_SECRET"
SECRET_FILE_VARIABLE = "CENSORSIM_GRADING_SECRET_FILE"
MIN_SECRET_LENGTH = 32
# What the kernel runs first: anything written to sys.stderr goes to stdout instead.
STDERR_TO_STDOUT = "import sys as _s; _s.stderr = _s.stdout; del _s"


class NotGraded(Exception):
    """A submission that cannot be graded; the message says why, for the score table."""


class GradingSecretError(Exception):
    """The course's grading secret is missing or malformed; the message says how to fix it."""


# -- the secret and the per-student seeds ------------------------------------------------------
def default_secret_file() -> Path:
    """``$XDG_CONFIG_HOME/censorsim/grading-secret`` (``~/.config/...`` by default)."""
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(Path.home(), ".config")
    return Path(config) / "censorsim" / "grading-secret"


@dataclass(frozen=True)
class Secret:
    """The course's grading secret as found: ``value``, or the ``problem`` with it."""

    value: str | None
    source: str
    problem: str | None = None

    def require(self) -> str:
        if self.problem is not None or self.value is None:
            raise GradingSecretError(self.problem or "no grading secret")
        return self.value


def _secret_problem(value: str, source: str) -> str | None:
    if len(value) < MIN_SECRET_LENGTH:
        return (
            f"the grading secret in {source} is {len(value)} characters long; it must have at "
            f"least {MIN_SECRET_LENGTH} (make secret writes a good one)"
        )
    if not value.isascii() or not value.isprintable() or any(c.isspace() for c in value):
        return (
            f"the grading secret in {source} must be printable ASCII without spaces "
            "(make secret writes a good one)"
        )
    return None


def load_secret(course_root: str | os.PathLike | None = None) -> Secret:
    """The course's grading secret: ``$CENSORSIM_GRADING_SECRET``, else the secret file.

    The file is ``$CENSORSIM_GRADING_SECRET_FILE`` or :func:`default_secret_file`; it must
    lie outside the course folder ``course_root`` (which students may get a copy of) and
    be readable by its owner only.
    """
    value = os.environ.get(SECRET_VARIABLE)
    if value is not None:
        source = f"${SECRET_VARIABLE}"
        value = value.strip()
        return Secret(value, source, _secret_problem(value, source))
    path = Path(os.environ.get(SECRET_FILE_VARIABLE) or default_secret_file()).expanduser()
    source = str(path)
    if not path.is_file():
        return Secret(
            None,
            source,
            f"no grading secret: {path} does not exist. Run `make secret` to create it (or set "
            f"${SECRET_VARIABLE}); keep it private, and keep the same one for the whole term.",
        )
    if course_root is not None:
        root = Path(course_root).resolve()
        if path.resolve() == root or root in path.resolve().parents:
            return Secret(
                None,
                source,
                f"the grading secret {path} lies inside the course folder {root}: move it "
                f"out (students may get a copy of that folder) and set ${SECRET_FILE_VARIABLE}",
            )
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return Secret(
            None, source, f"the grading secret {path} is readable by others: chmod 600 {path}"
        )
    try:
        value = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        return Secret(None, source, f"cannot read the grading secret {path}: {error}")
    return Secret(value, source, _secret_problem(value, source))


def write_secret(path: str | os.PathLike | None = None) -> Path:
    """Create a new random secret file (mode 600); refuse to overwrite an existing one."""
    import secrets

    path = Path(path or os.environ.get(SECRET_FILE_VARIABLE) or default_secret_file())
    if path.exists():
        raise FileExistsError(f"{path} exists already: keep it (a new one changes every case)")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(secrets.token_urlsafe(32) + "\n")
    return path


@contextlib.contextmanager
def using_secret(value: str | None):
    """Inside the block, the grading secret is ``value`` (``None``: there is none at all),
    whatever the environment said; the environment is put back afterwards. For
    ``make check`` (a fresh random secret) and the tests."""
    names = (SECRET_VARIABLE, SECRET_FILE_VARIABLE)
    saved = {name: os.environ.get(name) for name in names}
    os.environ.pop(SECRET_FILE_VARIABLE, None)
    if value is None:
        os.environ.pop(SECRET_VARIABLE, None)
        os.environ[SECRET_FILE_VARIABLE] = os.path.join(os.sep, "nonexistent", "grading-secret")
    else:
        os.environ[SECRET_VARIABLE] = value
    try:
        yield value
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


def student_seed(secret: str, student_id: str) -> str:
    """The grading seed of one student: 64 bits of HMAC-SHA256(secret, student id), in decimal.

    Without the secret, one student's seed says nothing about another's.
    """
    digest = hmac.new(
        secret.encode("ascii"), f"censorsim-seed:{student_id}".encode(), hashlib.sha256
    ).digest()
    return str(int.from_bytes(digest[:8], "big"))


# -- the sandbox -------------------------------------------------------------------------------
@functools.cache
def bubblewrap_status() -> tuple[bool, str]:
    """(works, explanation): whether ``bwrap`` can start a sandbox on this machine."""
    program = shutil.which("bwrap")
    if program is None:
        return False, "bubblewrap is not installed (Debian/Ubuntu: apt install bubblewrap)"
    probe = [program, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, f"bubblewrap does not start: {error}"
    if done.returncode != 0:
        why = (done.stderr or done.stdout).strip() or f"exit status {done.returncode}"
        return False, f"bubblewrap cannot make a sandbox here ({why})"
    version = subprocess.run([program, "--version"], capture_output=True, text=True, check=False)
    return True, version.stdout.strip() or "bubblewrap"


@functools.cache
def kernel_python_paths() -> tuple[str, ...]:
    """What the kernel's Python needs to see: its prefixes and its ``sys.path``.

    Asked from the interpreter itself, isolated (``-I``: no script folder, no current
    folder, no user site), so that an editable install's source folder is included and
    the grader's working folder is not.
    """
    code = (
        "import sys; print('\\n'.join([sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path]))"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True
    ).stdout
    paths = []
    for line in out.splitlines():
        path = os.path.realpath(line) if line else ""
        if path and os.path.exists(path) and path not in paths:
            paths.append(path)
    # the interpreter itself, when the environment's python is a link to another folder
    executable = os.path.dirname(os.path.realpath(sys.executable))
    if executable not in paths:
        paths.append(executable)
    return tuple(paths)


def _covers(outer: str, inner: str) -> bool:
    outer, inner = os.path.realpath(outer), os.path.realpath(inner)
    return inner == outer or inner.startswith(outer.rstrip(os.sep) + os.sep)


def sandbox_command(
    command: list[str], *, cwd: str, private: str, protected: list[str]
) -> list[str]:
    """``command`` wrapped in bubblewrap, seeing only what a kernel needs (module docstring).

    ``cwd`` (the submission's folder) is visible read-only, its notebooks shown empty
    (they hold the hidden tests once nbgrader restored them); ``private`` (the connection file
    and sockets) read-write. A visible path that holds one of ``protected`` (the course's
    solutions and grading folders) is refused, so a Python environment installed inside
    the course folder cannot expose it.
    """
    args = ["bwrap", "--die-with-parent", "--new-session", "--unshare-all"]
    if os.geteuid() == 0:
        args += ["--cap-drop", "ALL"]
    args += ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for name in (
        "/etc/ld.so.cache",
        "/etc/ld.so.conf",
        "/etc/ld.so.conf.d",
        "/etc/localtime",
        "/etc/ssl",
        "/etc/alternatives",
        "/etc/mime.types",
    ):
        args += ["--ro-bind-try", name, name]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    visible: list[str] = []
    for path in kernel_python_paths():
        if not any(_covers(outer, path) for outer in ["/usr", *visible]):
            visible.append(path)
    for path in visible:
        for secret in protected:
            if _covers(path, secret) or _covers(secret, path):
                raise NotGraded(
                    f"the sandbox would show {secret} to student code (through {path}): "
                    "install the course's Python environment outside the course folder"
                )
        args += ["--ro-bind", path, path]
    for secret in protected:
        if _covers(cwd, secret):
            raise NotGraded(f"the submission's folder {cwd} holds {secret}")
    args += ["--ro-bind", cwd, cwd]
    empty = os.path.join(private, "empty")
    open(empty, "w").close()  # noqa: SIM115 - an empty file to show in place of notebooks
    for entry in sorted(os.listdir(cwd)):
        if entry.endswith(".ipynb"):
            args += ["--ro-bind", empty, os.path.join(cwd, entry)]
    # the root is bubblewrap's own tmpfs: read-only, so nothing lands in folders that merely
    # lead to the bound paths; /tmp and the private folder stay writable
    args += ["--bind", private, private, "--remount-ro", "/", "--chdir", cwd]
    # no parent polling: inside the sandbox the kernel's parent is bubblewrap's init
    args += ["--unsetenv", "JPY_PARENT_PID", "--setenv", "HOME", "/tmp"]
    return [*args, "--setenv", "TMPDIR", "/tmp", "--", *command]


class CourseKernelManager(AsyncKernelManager):
    """A Python kernel of the grader's own environment, whatever the notebook asks for.

    Its connection file lives in a private folder of its own (not in Jupyter's runtime
    folder, with the connection files of the instructor's other kernels).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.private = tempfile.mkdtemp(prefix="censorsim-kernel-")
        self.connection_file = os.path.join(self.private, "kernel.json")
        self.home = os.path.join(self.private, "home")  # a scratch home, when not sandboxed
        os.mkdir(self.home)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return [
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            self.connection_file,
            *(extra_arguments or []),
        ]

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self.private, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources


class SandboxKernelManager(CourseKernelManager):
    """A :class:`CourseKernelManager` whose kernel runs under bubblewrap.

    The kernel talks over Unix sockets in its private folder (``ipc`` transport: the
    sandbox has a network of its own, so it cannot reach the grader's loopback), and is
    interrupted by a message rather than a signal (``--new-session`` puts it out of reach
    of the grader's process group, which also keeps it away from the grader's terminal).
    """

    protected = List(Unicode())

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.ip = os.path.join(self.private, "ipc")

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        cwd = os.path.realpath(self._launch_args.get("cwd") or os.getcwd())
        return sandbox_command(command, cwd=cwd, private=self.private, protected=self.protected)

    async def _async_pre_start_kernel(self, **kwargs):
        self.kernel_spec.interrupt_mode = "message"
        return await super()._async_pre_start_kernel(**kwargs)

    pre_start_kernel = _async_pre_start_kernel


# -- nbgrader's Execute, for this course ---------------------------------------------------------
class CourseExecute(Execute):
    """nbgrader's ``Execute`` with the sandbox, the per-student seed and a notebook time cap.

    Configured in ``nbgrader_config.py``; options of ``Execute`` (the per-cell timeout...)
    apply too.
    """

    sandbox = Enum(
        ["auto", "bubblewrap", "off"],
        "auto",
        help="Run each submission under bubblewrap: always, when it works here, or never.",
    ).tag(config=True)
    notebook_timeout = Integer(
        600, help="Seconds a whole notebook may run before its kernel is killed."
    ).tag(config=True)
    memory_limit = Integer(
        4 * 2**30,
        help="Bytes of address space a kernel may use (0: no limit); past it, MemoryError.",
    ).tag(config=True)
    course_root = Unicode("", help="The course folder (for the grading secret).").tag(config=True)
    protected = List(
        Unicode(), help="Folders student code must never see (solutions, grading work)."
    ).tag(config=True)

    def sandboxed(self) -> bool:
        """Whether kernels run under bubblewrap; raises NotGraded when they must but cannot."""
        if self.sandbox == "off":
            return False
        works, why = bubblewrap_status()
        if not works and self.sandbox == "bubblewrap":
            raise NotGraded(f"the sandbox is required (CourseExecute.sandbox) but {why}")
        if not works:
            # every way of grading says so, the formgrader's button included (make grade
            # also prints it before it starts)
            self.log.warning(
                "grading WITHOUT the sandbox (CourseExecute.sandbox = 'auto', but %s): "
                "student code runs with the grader's rights. Install bubblewrap, or set "
                "CourseExecute.sandbox = 'bubblewrap' to refuse to grade without it.",
                why,
            )
        return works

    def create_kernel_manager(self):
        self.kernel_name = "python3"
        if self.sandboxed():
            self.km = SandboxKernelManager(
                kernel_name="python3", config=self.config, protected=list(self.protected)
            )
        else:
            self.km = CourseKernelManager(kernel_name="python3", config=self.config)
        return self.km

    def _kernel_environment(self, student: str) -> dict[str, str]:
        try:
            secret = load_secret(self.course_root or None).require()
        except GradingSecretError as error:
            raise NotGraded(f"grading stopped: {error}") from None
        return {
            "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/bin", "/bin"]),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLBACKEND": "Agg",
            "NBGRADER_EXECUTION": os.environ.get("NBGRADER_EXECUTION", "autograde"),
            SEED_VARIABLE: student_seed(secret, student),
        }

    async def async_start_new_kernel(self, **kwargs):
        sandboxed = isinstance(self.km, SandboxKernelManager)
        kwargs.setdefault(
            "env", {**self._environment, "HOME": "/tmp" if sandboxed else self.km.home}
        )
        kwargs.setdefault("stdout", subprocess.DEVNULL)
        kwargs.setdefault("stderr", subprocess.DEVNULL)
        if STDERR_TO_STDOUT not in " ".join(self.extra_arguments):
            lines = [STDERR_TO_STDOUT]
            if self.memory_limit:
                # the kernel lowers its own limit before any student code runs; without
                # privileges (the sandbox drops them all) it cannot raise it again
                limit = int(self.memory_limit)
                lines.append(
                    f"import resource as _r; _r.setrlimit(_r.RLIMIT_AS, ({limit}, {limit})); del _r"
                )
            self.extra_arguments = [
                *self.extra_arguments,
                *(f"--IPKernelApp.exec_lines={line}" for line in lines),
            ]
        return await super().async_start_new_kernel(**kwargs)

    start_new_kernel = run_sync(async_start_new_kernel)

    def preprocess_cell(self, cell, resources, index):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        self._running = meta.get("grade_id") or f"number {index + 1}"
        cell, resources = super().preprocess_cell(cell, resources, index)
        if meta.get("grade") and cell.cell_type == "code":
            # nbgrader reads a test cell's "execute_result" as partial credit, and anything
            # that is not a number as full marks; the course's test cells never produce
            # one, so any there came from student code (IPython's displayhook).
            for output in cell.outputs:
                if output.output_type == "execute_result":
                    output.output_type = "display_data"
                    output.pop("execution_count", None)
        return cell, resources

    def _kill_kernel(self) -> None:
        """Past the notebook's time cap: kill the kernel's process group (from a timer)."""
        self._capped = True
        provisioner = getattr(self.km, "provisioner", None)
        pgid = getattr(provisioner, "pgid", None)
        process = getattr(provisioner, "process", None)
        try:
            if pgid:
                os.killpg(pgid, signal.SIGKILL)
            elif process is not None:
                process.kill()
        except (ProcessLookupError, PermissionError):
            pass

    def preprocess(self, nb, resources=None, km=None):
        student = ((resources or {}).get("nbgrader") or {}).get("student") or "unknown"
        self._environment = self._kernel_environment(student)
        self._capped, self._running = False, "(start-up)"
        timer = threading.Timer(self.notebook_timeout, self._kill_kernel)
        timer.daemon = True
        timer.start()
        try:
            return super().preprocess(nb, resources=resources, km=km)
        except CellTimeoutError:
            raise NotGraded(
                f"cell {self._running} ran past the {self.timeout} s limit of a cell and did "
                "not stop when interrupted"
            ) from None
        except DeadKernelError:
            if self._capped:
                raise NotGraded(
                    f"the notebook ran longer than {self.notebook_timeout} s in all (time cap), "
                    f"and was stopped in cell {self._running}"
                ) from None
            raise NotGraded(
                f"the kernel died while running cell {self._running} (os._exit, a crash, or "
                "too much memory)"
            ) from None
        finally:
            timer.cancel()


# -- answers that reach into the interpreter ---------------------------------------------------
SUSPICIOUS_NAMES = {
    "globals": "reads the notebook's globals",
    "locals": "reads local variables",
    "vars": "reads an object's variables",
    "__import__": "imports by name",
    "exec": "runs code from a string",
    "eval": "runs code from a string",
    "compile": "compiles code",
    "open": "opens a file",
    "get_ipython": "reaches into IPython",
    "breakpoint": "starts a debugger",
    "__builtins__": "reaches the built-in functions",
    "setattr": "sets an attribute by name",
    "delattr": "deletes an attribute by name",
}
SUSPICIOUS_MODULES = {
    "gc",
    "inspect",
    "builtins",
    "ctypes",
    "subprocess",
    "os",
    "pathlib",
    "shutil",
    "socket",
    "importlib",
    "sys",
    "threading",
    "signal",
    "io",
    "pickle",
    "marshal",
    "types",
    "traceback",
    "IPython",
    "ipykernel",
    "__main__",  # the notebook's globals, where test cells keep what later cells read
    "weakref",  # finalizers: code that runs later, in another cell
    "atexit",
    "asyncio",  # callbacks on the kernel's event loop, between cells
    "_thread",
    "concurrent",
    "multiprocessing",
}
# packages whose functions and classes the test cells call: replacing one of their attributes
# (monkeypatching) changes what a test cell does
LIBRARIES = {"censorsim", "cs", "dns", "scapy", "idna", "nbformat", "numpy", "matplotlib"}
SUSPICIOUS_ATTRIBUTES = {
    "__dict__",
    "__class__",
    "__code__",
    "__globals__",
    "__closure__",
    "__builtins__",
    "__subclasses__",
    "__getattribute__",
    "__setattr__",
    "cell_contents",
    "f_back",
    "f_locals",
    "f_globals",
    "tb_frame",
    "_getframe",
    "_current_frames",
    "modules",
    "environ",
    "last_value",
    "last_traceback",
}


def suspicious_code(source: str) -> list[str]:
    """Why an answer cell's code deserves a human look; [] when nothing stands out.

    Each entry names the construct (``uses globals()``, ``imports gc``...). A flag is not a
    verdict: ``os`` may be imported innocently. But the checks of a test cell run in the
    student's own interpreter, and code that reaches into it can fool any of them.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found: list[str] = []

    def add(text: str) -> None:
        if text not in found:
            found.append(text)

    # names that stand for a module, or for something taken from one: changing one of their
    # attributes changes library code (CensorEngine.add = spy; json.dumps = spy)
    imported = set(LIBRARIES) | set(sys.stdlib_module_names)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            imported |= {(a.asname or a.name).split(".")[0] for a in node.names}

    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            for module in modules:
                if module.split(".")[0] in SUSPICIOUS_MODULES:
                    add(f"imports {module}")
        elif isinstance(node, ast.Name) and node.id in SUSPICIOUS_NAMES:
            add(f"uses {node.id}() ({SUSPICIOUS_NAMES[node.id]})")
        elif isinstance(node, ast.Attribute):
            if node.attr in SUSPICIOUS_ATTRIBUTES:
                add(f"uses .{node.attr}")
            if isinstance(node.ctx, ast.Store | ast.Del):
                root = node.value
                while isinstance(root, ast.Attribute):
                    root = root.value
                if isinstance(root, ast.Name) and root.id in imported:
                    add(f"changes {ast.unparse(node)} (replaces library code)")
        elif isinstance(node, ast.FunctionDef) and node.name == "__del__":
            add("defines __del__ (code that runs later, when an object is collected)")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in SUSPICIOUS_ATTRIBUTES
        ):
            add(f"uses .{node.args[1].value}")
    return found

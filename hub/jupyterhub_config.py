"""JupyterHub for a class on one server, with the server's own (Unix) users.

Run as root, in the Python environment that holds the course (the student distribution's
wheel and requirements, plus JupyterHub: README, "A term on one JupyterHub server"):

    sudo /opt/censorship-course/venv/bin/jupyterhub -f hub/jupyterhub_config.py

Everything class-specific comes from the class file, hub/class.toml (``$CENSORSIM_CLASS_FILE``
names another one): the course id, nbgrader's exchange, the instructors, the hub's address.

* **Logging in**: with the server's passwords (PAM). The instructors, the students listed
  in the class file and the members of its student group may log in.
* **Servers**: each user's JupyterLab runs as that user, in this environment, from their
  home (which must not be readable by others: the hub refuses to start a server there).
  A student's server has nbgrader's student side only (the assignment list, Validate:
  hub/jupyter/student, as Binder has); an instructor's has the formgrader too, on their
  private copy of the course (hub/jupyter/instructor). On a first start the lessons are
  copied into the user's home (hub/jupyter/start-course).
* **The exchange**: nbgrader's, in the shared folder the class file names. Its modes are
  nbgrader's own: students fetch released labs, submit into a folder they cannot list,
  and fetch only their own feedback.
* **Idle servers** stop after the class file's ``idle_timeout`` (jupyterhub-idle-culler).
* **The proxy**: configurable-http-proxy from hub/proxy (``make hub-proxy``), else the one
  on PATH.

The grading secret is not here: the instructor creates it in their own home with
``make secret`` (tools/autograding.py reads it from there, as the formgrader runs as them).
"""

from __future__ import annotations

import os
import pwd
import stat
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
import classfile  # noqa: E402  (hub/classfile.py)

CLASS = classfile.load()
STATE = Path(CLASS.state_dir)
BIN = Path(sys.executable).parent  # this environment: the hub's and every user's server's
PROXY = HERE / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
JUPYTER = HERE / "jupyter"

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

# -- the hub and its proxy ---------------------------------------------------------------------
c.JupyterHub.bind_url = CLASS.hub_url
if CLASS.ssl_cert or CLASS.ssl_key:
    c.JupyterHub.ssl_cert = CLASS.ssl_cert
    c.JupyterHub.ssl_key = CLASS.ssl_key
STATE.mkdir(mode=0o700, parents=True, exist_ok=True)
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.db_url = "sqlite:///" + str(STATE / "jupyterhub.sqlite")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.ConfigurableHTTPProxy.command = [str(PROXY) if PROXY.exists() else "configurable-http-proxy"]

# -- who may log in ----------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(CLASS.instructors) | set(CLASS.students)
if CLASS.student_group:
    c.PAMAuthenticator.allowed_groups = {CLASS.student_group}


# -- each user's server ------------------------------------------------------------------------
def is_instructor(spawner) -> bool:
    return CLASS.is_instructor(spawner.user.name)


def jupyter_config_path(spawner) -> str:
    """nbgrader's student side for students; the formgrader too for instructors."""
    return str(JUPYTER / ("instructor" if is_instructor(spawner) else "student"))


def private_home(spawner) -> None:
    """Refuse to start a server in a home that other users can read or enter.

    Debian's useradd makes homes readable by everyone unless told otherwise (HOME_MODE):
    classmates could then read each other's labs, and students the instructor's course.
    """
    entry = pwd.getpwnam(spawner.user.name)
    info = os.stat(entry.pw_dir)
    others = info.st_mode & stat.S_IRWXO
    group = info.st_mode & stat.S_IRWXG and info.st_gid != entry.pw_gid
    if info.st_uid != entry.pw_uid or others or group:
        raise PermissionError(
            f"the home of {spawner.user.name}, {entry.pw_dir}, is open to other users (mode "
            f"{stat.filemode(info.st_mode)}): run `chmod 700 {entry.pw_dir}` before "
            "starting this server, so that nobody else can read the work in it"
        )


c.Spawner.pre_spawn_hook = private_home
c.Spawner.cmd = [str(JUPYTER / "start-course"), str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    "PATH": os.pathsep.join([str(BIN), "/usr/local/bin", "/usr/bin", "/bin"]),
    "LANG": "C.UTF-8",
    "JUPYTER_CONFIG_PATH": jupyter_config_path,
    classfile.CLASS_FILE_VARIABLE: str(CLASS.path),
    "CENSORSIM_STUDENT_FILES": CLASS.student_files,
}
c.Spawner.args = [
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
]
c.Spawner.start_timeout = 120  # seconds: the first start of a lab on a busy server
c.Spawner.http_timeout = 60

# -- idle servers ------------------------------------------------------------------------------
if CLASS.idle_timeout:
    c.JupyterHub.services = [
        {
            "name": "idle-culler",
            "command": [
                sys.executable,
                "-m",
                "jupyterhub_idle_culler",
                f"--timeout={CLASS.idle_timeout}",
                f"--cull-every={max(60, min(300, CLASS.idle_timeout // 2))}",
            ],
        }
    ]
    c.JupyterHub.load_roles = [
        {
            "name": "idle-culler",
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
            "services": ["idle-culler"],
        }
    ]

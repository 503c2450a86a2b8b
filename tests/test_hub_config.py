"""The class's configuration (issue 15): the class file and everything that reads it.

hub/class.toml is the one place for the course id, the exchange and the instructors: the
course's nbgrader_config.py, hub/jupyterhub_config.py, the students' and instructors'
nbgrader configurations read it, a mistake in it is named, and the Kubernetes values (which
cannot read it) are checked against it. Also: late penalties and due dates, the hub's refusal
to start a server in a home others can read, and the lessons' copy on a first start.
tests/test_hub.py runs all of it for real.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import pytest
import yaml
from nbgrader_helpers import REPO, make_course, tasks
from traitlets.config.loader import PyFileConfigLoader

ROOT = REPO
HUB = ROOT / "hub"
sys.path.insert(0, str(HUB))
sys.path.insert(0, str(ROOT / "tools"))
import classfile  # noqa: E402
import late_penalty  # noqa: E402

GOOD = """
[course]
id = "censorship-course"
[exchange]
root = "/srv/nbgrader/exchange"
[people]
instructors = ["teach"]
students = ["ada", "bob"]
[hub]
url = "http://127.0.0.1:8123"
state_dir = "STATE"
student_files = "/opt/censorship-course/student"
idle_timeout = 600
[grading]
late_penalty = "LATE"
[grading.due]
lab00-warmup = "2026-10-12T23:59:00+02:00"
"""


def class_file(tmp_path: Path, late: str = "none", **replace: str) -> Path:
    text = GOOD.replace("STATE", str(tmp_path / "state")).replace("LATE", late)
    for old, new in replace.items():
        text = text.replace(old, new)
    path = tmp_path / "class.toml"
    path.write_text(text)
    return path


def test_the_repository_class_file_is_valid_and_names_the_course():
    klass = classfile.load(HUB / "class.toml")
    assert klass.course_id == "censorship-course"
    assert klass.exchange_root == "/srv/nbgrader/exchange" and klass.instructors
    assert klass.late_penalty == classfile.LatePenalty("none") and klass.due == {}
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert config.CourseDirectory.course_id == klass.course_id


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('id = "censorship-course"', 'id = "a course"', "[course] id = 'a course' is not valid"),
        ('id = "censorship-course"', "", "[course] needs id"),
        ('root = "/srv/nbgrader/exchange"', 'root = "exchange"', "must be an absolute path"),
        ('["ada", "bob"]', '["Ada Lovelace"]', "'Ada Lovelace' is not a Unix user name"),
        ("idle_timeout = 600", 'idle_timeout = "1h"', "whole number of seconds"),
        ('"2026-10-12T23:59:00+02:00"', '"2026-10-12 23:59"', "with its time zone"),
        ('"2026-10-12T23:59:00+02:00"', '"next monday"', "lab00-warmup = 'next monday'"),
        ('late_penalty = "none"', 'late_penalty = "10%"', '"10% per day"'),
        ('late_penalty = "none"', 'late_penalty = "150% per day"', "at most 100"),
        ("[grading.due]", "due = 3\n[other]", "[grading.due] must be a table"),
    ],
)
def test_a_mistake_in_the_class_file_is_named(tmp_path, old, new, message):
    path = class_file(tmp_path, **{old: new})
    with pytest.raises(classfile.ClassFileError) as error:
        classfile.load(path)
    assert message in str(error.value) and str(path) in str(error.value)


def test_a_missing_or_broken_class_file_says_so(tmp_path):
    with pytest.raises(classfile.ClassFileError, match="no class file at"):
        classfile.load(tmp_path / "nowhere.toml")
    (tmp_path / "broken.toml").write_text("[course\n")
    with pytest.raises(classfile.ClassFileError, match="cannot read the class file"):
        classfile.load(tmp_path / "broken.toml")


# -- the hub ------------------------------------------------------------------------------------
def hub_config(path: Path, monkeypatch):
    monkeypatch.setenv(classfile.CLASS_FILE_VARIABLE, str(path))
    return PyFileConfigLoader("jupyterhub_config.py", path=str(HUB)).load_config()


def spawner(name: str):
    return types.SimpleNamespace(user=types.SimpleNamespace(name=name))


def test_the_hub_configuration_follows_the_class_file(tmp_path, monkeypatch):
    c = hub_config(class_file(tmp_path), monkeypatch)
    assert c.JupyterHub.bind_url == "http://127.0.0.1:8123"
    assert c.JupyterHub.authenticator_class == "pam"
    assert c.Authenticator.allowed_users == {"teach", "ada", "bob"}
    assert c.JupyterHub.db_url.startswith(f"sqlite:///{tmp_path / 'state'}")
    assert oct((tmp_path / "state").stat().st_mode & 0o777) == "0o700"
    env = c.Spawner.environment
    assert env[classfile.CLASS_FILE_VARIABLE] == str(tmp_path / "class.toml")
    assert env["JUPYTER_CONFIG_PATH"](spawner("teach")) == str(HUB / "jupyter" / "instructor")
    assert env["JUPYTER_CONFIG_PATH"](spawner("ada")) == str(HUB / "jupyter" / "student")
    start, server = c.Spawner.cmd
    assert os.access(start, os.X_OK) and Path(server).name == "jupyterhub-singleuser"
    assert Path(c.ConfigurableHTTPProxy.command[0]).name == "configurable-http-proxy"
    (culler,) = c.JupyterHub.services
    assert "--timeout=600" in culler["command"] and culler["name"] == "idle-culler"
    (role,) = c.JupyterHub.load_roles
    assert role["services"] == ["idle-culler"] and "delete:servers" in role["scopes"]


def test_the_hub_refuses_a_home_others_can_read(tmp_path, monkeypatch):
    c = hub_config(class_file(tmp_path), monkeypatch)
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    me = os.getuid(), os.getgid()
    entry = types.SimpleNamespace(pw_dir=str(home), pw_uid=me[0], pw_gid=me[1])
    import pwd

    monkeypatch.setattr(pwd, "getpwnam", lambda name: entry)
    with pytest.raises(PermissionError, match=f"chmod 700 {home}"):
        c.Spawner.pre_spawn_hook(spawner("ada"))
    home.chmod(0o700)
    c.Spawner.pre_spawn_hook(spawner("ada"))  # a private home: no complaint


def test_student_and_instructor_set_ups(tmp_path, monkeypatch):
    from test_lab_panels import _effective

    monkeypatch.setenv(classfile.CLASS_FILE_VARIABLE, str(class_file(tmp_path)))
    student = HUB / "jupyter" / "student"
    config = PyFileConfigLoader("nbgrader_config.py", path=str(student)).load_config()
    assert config.CourseDirectory.course_id == "censorship-course"
    assert config.Exchange.root == "/srv/nbgrader/exchange"
    extensions, disabled = _effective(str(student))
    assert extensions["nbgrader.server_extensions.formgrader"] is False
    assert "@jupyter/nbgrader:formgrader" in disabled
    # the instructor: the formgrader on ~/<course_folder>, with that course's own config
    home = tmp_path / "teach"
    course = make_course(home / "censorship-course")
    monkeypatch.setenv("HOME", str(home))
    instructor = HUB / "jupyter" / "instructor"
    config = PyFileConfigLoader("nbgrader_config.py", path=str(instructor)).load_config()
    assert config.CourseDirectory.root == str(course)
    assert config.Exchange.root == "/srv/nbgrader/exchange"
    assert config.CourseExecute.sandbox == "auto"  # read from the course's nbgrader_config.py
    extensions, disabled = _effective(str(instructor))
    assert extensions["nbgrader.server_extensions.formgrader"] is True
    assert "@jupyter/nbgrader:formgrader" not in disabled


def test_start_course_copies_the_lessons_once(tmp_path):
    files = tmp_path / "student"
    (files / "lessons").mkdir(parents=True)
    (files / "lessons" / "00-welcome.ipynb").write_text("{}")
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "CENSORSIM_STUDENT_FILES": str(files)}
    script = str(HUB / "jupyter" / "start-course")
    done = subprocess.run([script, "echo", "started"], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == "started\n", done.stderr
    assert (home / "lessons" / "00-welcome.ipynb").read_text() == "{}"
    (home / "lessons" / "00-welcome.ipynb").write_text("my notes")  # the student's own work
    subprocess.run([script], env=env, check=True)
    assert (home / "lessons" / "00-welcome.ipynb").read_text() == "my notes"
    assert sorted(p.name for p in home.iterdir()) == ["lessons"]


# -- late work ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("seconds", "penalty"),
    [(0, 0.0), (1, 1.0), (86400, 1.0), (86401, 2.0), (5 * 86400, 5.0), (30 * 86400, 10.0)],
)
def test_a_percentage_per_day_late(seconds, penalty):
    plugin = late_penalty.PercentPerDay(percent_per_day=10.0)
    assert plugin.late_submission_penalty("ada", 10.0, seconds) == pytest.approx(penalty)


@pytest.mark.parametrize(
    ("late", "expected"),
    [("none", ("none", None)), ("zero", ("zero", None)), ("25% per day", (None, 25.0))],
)
def test_the_course_config_applies_the_late_penalty(tmp_path, monkeypatch, late, expected):
    monkeypatch.setenv(classfile.CLASS_FILE_VARIABLE, str(class_file(tmp_path, late=late)))
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    method, percent = expected
    if method is not None:
        assert config.LateSubmissionPlugin.penalty_method == method
        assert "plugin_class" not in config.AssignLatePenalties
    else:
        assert config.AssignLatePenalties.plugin_class == "late_penalty.PercentPerDay"
        assert config.PercentPerDay.percent_per_day == percent


@pytest.mark.slow
def test_due_dates_go_into_the_gradebook(tmp_path, monkeypatch):
    from nbgrader.api import Gradebook

    course = make_course(tmp_path / "course")
    monkeypatch.setenv(classfile.CLASS_FILE_VARIABLE, str(class_file(tmp_path)))
    tasks.sync_gradebook(course, ["lab00-warmup"])
    coursedir = tasks.course_directory(course)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        due = gb.find_assignment("lab00-warmup").duedate
    assert due == datetime.datetime(2026, 10, 12, 21, 59)  # 23:59 at +02:00, kept in UTC


# -- Kubernetes: the values that cannot read the class file agree with it ------------------------
def test_the_kubernetes_values_agree_with_the_class_file():
    values = yaml.safe_load((HUB / "kubernetes" / "values.yaml").read_text())
    klass = classfile.load(HUB / "class.toml")
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    single = values["singleuser"]
    assert single["image"]["tag"] == version
    (mount,) = single["storage"]["extraVolumeMounts"]
    assert mount["mountPath"] == klass.exchange_root
    (volume,) = single["storage"]["extraVolumes"]
    assert volume["name"] == mount["name"]
    claim = yaml.safe_load((HUB / "kubernetes" / "exchange.yaml").read_text())
    assert volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert values["cull"]["enabled"] and values["cull"]["timeout"] == klass.idle_timeout
    # the hub's Python: each user their own uid, instructors their course's set-up
    code = "\n".join(values["hub"]["extraConfig"].values())
    c = types.SimpleNamespace(KubeSpawner=types.SimpleNamespace(environment={}, uid=None, gid=None))
    exec(compile(code, "values.yaml hub.extraConfig", "exec"), {"c": c})  # noqa: S102
    user = types.SimpleNamespace(user=types.SimpleNamespace(name="ada", id=7))
    assert c.KubeSpawner.uid(user) == 20007 and c.KubeSpawner.gid == single["fsGid"]
    path = c.KubeSpawner.environment["JUPYTER_CONFIG_PATH"]
    for name in klass.instructors:
        teacher = types.SimpleNamespace(user=types.SimpleNamespace(name=name, id=1))
        assert path(teacher).endswith(f"/{klass.course_folder}/hub/jupyter/instructor")
    dockerfile = (HUB / "image" / "Dockerfile").read_text()
    assert f"JUPYTER_CONFIG_PATH={path(user)}" in dockerfile
    assert single["memory"]["guarantee"] and single["memory"]["limit"]

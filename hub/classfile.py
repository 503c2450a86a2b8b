"""The class file, hub/class.toml: read, checked and given defaults, for every configuration.

The course's ``nbgrader_config.py``, ``hub/jupyterhub_config.py`` and the students' and
instructors' ``nbgrader_config.py`` (``hub/jupyter/``) all call :func:`load`, so the course
id, the exchange's folder and the instructors are written once. ``CENSORSIM_CLASS_FILE``
names another class file (a second class on the same server, or a test's); otherwise the
file is ``class.toml`` beside this module. A mistake in the file stops whatever reads it
with a message that names the key and what was expected.
"""

from __future__ import annotations

import datetime
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CLASS_FILE_VARIABLE = "CENSORSIM_CLASS_FILE"
HERE = Path(__file__).resolve().parent
# nbgrader's ids end up in folder names and URLs: keep them to a safe set
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
# a Unix user name as useradd accepts it by default (Debian's NAME_REGEX, and 32 characters)
USER = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
PENALTY = re.compile(r"(\d+(?:\.\d+)?)\s*%\s*per\s+day")


class ClassFileError(ValueError):
    """The class file is missing or wrong; the message names the file, the key and the fix."""


@dataclass(frozen=True)
class LatePenalty:
    """``method`` is "none", "zero" or "per-day" (then ``percent`` of the points per day)."""

    method: str
    percent: float = 0.0


@dataclass(frozen=True)
class Class:
    """What hub/class.toml says, checked (see the file for what each key means)."""

    path: Path
    course_id: str
    exchange_root: str
    instructors: tuple[str, ...]
    students: tuple[str, ...] = ()
    student_group: str = ""
    hub_url: str = "http://127.0.0.1:8000"
    ssl_cert: str = ""
    ssl_key: str = ""
    state_dir: str = "/srv/jupyterhub"
    student_files: str = ""
    course_folder: str = "censorship-course"
    idle_timeout: int = 3600
    late_penalty: LatePenalty = LatePenalty("none")
    due: dict[str, datetime.datetime] = field(default_factory=dict)

    def is_instructor(self, user: str) -> bool:
        return user in self.instructors


def class_file() -> Path:
    """``$CENSORSIM_CLASS_FILE``, or ``class.toml`` beside this module."""
    return Path(os.environ.get(CLASS_FILE_VARIABLE) or HERE / "class.toml")


def for_course(root: str | os.PathLike) -> Class:
    """The class of the course folder ``root``: ``$CENSORSIM_CLASS_FILE``, else
    ``root/hub/class.toml`` (a copy of the course reads its own, whichever copy of this
    module was imported first)."""
    return load(os.environ.get(CLASS_FILE_VARIABLE) or Path(root) / "hub" / "class.toml")


def load(path: str | os.PathLike | None = None) -> Class:
    """The class file ``path`` (default :func:`class_file`), checked; raises ClassFileError."""
    path = Path(path) if path is not None else class_file()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ClassFileError(
            f"no class file at {path} (set ${CLASS_FILE_VARIABLE} or restore hub/class.toml)"
        ) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ClassFileError(f"cannot read the class file {path}: {error}") from None
    return parse(data, path)


def parse(data: dict, path: Path) -> Class:
    """A :class:`Class` from the parsed TOML ``data`` of ``path`` (for the messages)."""

    def section(name: str) -> dict:
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise ClassFileError(f"{path}: [{name}] must be a table, not {value!r}")
        return value

    def text(table: str, key: str, default: str | None = None, pattern=None) -> str:
        value = section(table).get(key, default)
        if value is None:
            raise ClassFileError(f'{path}: [{table}] needs {key} = "..."')
        if not isinstance(value, str):
            raise ClassFileError(f"{path}: [{table}] {key} must be a string, not {value!r}")
        if pattern is not None and value and not pattern.fullmatch(value):
            raise ClassFileError(
                f"{path}: [{table}] {key} = {value!r} is not valid: expected letters, digits, "
                "'_', '-' (and '.' in ids), starting with a letter or digit"
            )
        return value

    def users(key: str) -> tuple[str, ...]:
        value = section("people").get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ClassFileError(f"{path}: [people] {key} must be a list of user names")
        for name in value:
            if not USER.fullmatch(name):
                raise ClassFileError(
                    f"{path}: [people] {key}: {name!r} is not a Unix user name (lower-case "
                    "letters, digits, '_' and '-', at most 32 characters)"
                )
        return tuple(value)

    exchange = text("exchange", "root")
    if not os.path.isabs(exchange):
        raise ClassFileError(f"{path}: [exchange] root = {exchange!r} must be an absolute path")
    timeout = section("hub").get("idle_timeout", 3600)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout < 0:
        raise ClassFileError(
            f"{path}: [hub] idle_timeout = {timeout!r} must be a whole number of seconds "
            "(0: never stop idle servers)"
        )
    return Class(
        path=path.resolve(),
        course_id=text("course", "id", pattern=ID),
        exchange_root=exchange,
        instructors=users("instructors"),
        students=users("students"),
        student_group=text("people", "student_group", "", pattern=USER),
        hub_url=text("hub", "url", "http://127.0.0.1:8000"),
        ssl_cert=text("hub", "ssl_cert", ""),
        ssl_key=text("hub", "ssl_key", ""),
        state_dir=text("hub", "state_dir", "/srv/jupyterhub"),
        student_files=text("hub", "student_files", ""),
        course_folder=text("hub", "course_folder", "censorship-course"),
        idle_timeout=timeout,
        late_penalty=late_penalty(section("grading").get("late_penalty", "none"), path),
        due=due_dates(section("grading").get("due", {}), path),
    )


def late_penalty(value, path: Path) -> LatePenalty:
    """``"none"``, ``"zero"`` or ``"N% per day"`` as a :class:`LatePenalty`."""
    if value in ("none", "zero"):
        return LatePenalty(value)
    match = PENALTY.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or not 0 < float(match.group(1)) <= 100:
        raise ClassFileError(
            f'{path}: [grading] late_penalty = {value!r}: expected "none", "zero" or a '
            'percentage per day such as "10% per day" (more than 0, at most 100)'
        )
    return LatePenalty("per-day", float(match.group(1)))


def due_dates(table, path: Path) -> dict[str, datetime.datetime]:
    """``{lab: due date}`` from ``[grading.due]``: ISO 8601 dates with a time zone."""
    if not isinstance(table, dict):
        raise ClassFileError(f"{path}: [grading.due] must be a table of lab = date")
    found = {}
    for lab, value in table.items():
        if not ID.fullmatch(lab):
            raise ClassFileError(f"{path}: [grading.due] {lab!r} is not a lab's name")
        when = value
        if isinstance(value, str):
            try:
                when = datetime.datetime.fromisoformat(value)
            except ValueError:
                when = None
        if not isinstance(when, datetime.datetime) or when.tzinfo is None:
            raise ClassFileError(
                f"{path}: [grading.due] {lab} = {value!r}: expected a date and time with its "
                'time zone, such as "2026-10-12T23:59:00+02:00"'
            )
        found[lab] = when
    return found

"""Helpers for the labs: self-checks that say what to fix, hidden cases from a grading seed.

For students and self-learners
    The visible test cells of a lab call :func:`check` and :func:`check_equal`. A check
    that passes prints a line starting with ✔; one that fails raises ``AssertionError``
    whose message starts with ✘ and says what was expected and how to look for the
    mistake. Run the test cell again after each change. Nothing is written to stderr
    (nbgrader gives zero to a graded cell that writes there).

For instructors
    Hidden tests draw fresh scenarios from :func:`grading_rng`, seeded from the
    environment variable ``CENSORSIM_GRADING_SEED`` at grading time (a fixed default when
    it is unset). Knowing the test code does not reveal the answers, because the cases
    depend on a seed only the grader sets::

        CENSORSIM_GRADING_SEED=31337 make grade
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from typing import Any

__all__ = ["check", "check_equal", "check_raises", "grading_seed", "grading_rng", "SEED_VARIABLE"]

SEED_VARIABLE = "CENSORSIM_GRADING_SEED"
DEFAULT_SEED = 2026


def grading_seed() -> int:
    """The grading seed: ``$CENSORSIM_GRADING_SEED`` as an integer, or a fixed default."""
    value = os.environ.get(SEED_VARIABLE, "").strip()
    if not value:
        return DEFAULT_SEED
    try:
        return int(value)
    except ValueError:
        raise ValueError(
            f"{SEED_VARIABLE}={value!r} is not an integer: set it to a number such as 31337"
        ) from None


def grading_rng(label: str) -> random.Random:
    """A random generator for one hidden test, from the grading seed and a label.

    Each test uses its own label, so adding a test does not change another's cases.
    """
    return random.Random(f"censorsim-grading:{grading_seed()}:{label}")


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check(condition: object, what: str, hint: str = "") -> None:
    """Pass (print ``✔ what``) when ``condition`` is true; otherwise raise with the hint."""
    if condition:
        print(f"✔ {what}")
        return
    message = f"✘ {what}"
    if hint:
        message += f"\n  hint: {hint}"
    raise AssertionError(message)


def check_equal(actual: Any, expected: Any, what: str, hint: str = "") -> None:
    """Pass when ``actual == expected``; otherwise say what was expected and what came."""
    if actual == expected:
        print(f"✔ {what}")
        return
    message = f"✘ {what}\n  expected: {_short(expected)}\n  got:      {_short(actual)}"
    if type(actual) is not type(expected) and expected is not None:
        message += f"\n  (expected a {type(expected).__name__}, got a {type(actual).__name__})"
    if hint:
        message += f"\n  hint: {hint}"
    raise AssertionError(message)


def check_raises(
    call: Callable[[], Any], exception: type[BaseException], what: str, hint: str = ""
) -> None:
    """Pass when ``call()`` raises ``exception``; otherwise say what happened instead."""
    try:
        result = call()
    except exception:
        print(f"✔ {what}")
        return
    except Exception as exc:  # noqa: BLE001 - report whatever the student's code raised
        got = f"it raised {type(exc).__name__}: {exc}"
    else:
        got = f"it returned {_short(result)}"
    message = f"✘ {what}\n  expected {exception.__name__} to be raised, but {got}"
    if hint:
        message += f"\n  hint: {hint}"
    raise AssertionError(message)

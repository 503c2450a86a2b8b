"""Helpers for the labs: self-checks that say what to fix, hidden cases from a grading seed.

For students and self-learners
    The visible test cells of a lab call :func:`check` and :func:`check_equal`. A check
    that passes prints a line starting with ✔; one that fails raises ``AssertionError``
    whose message starts with ✘ and says what was expected and how to look for the
    mistake. Run the test cell again after each change. Nothing is written to stderr
    (nbgrader gives zero to a graded cell that writes there).

For instructors
    Hidden tests draw fresh scenarios from :func:`grading_rng`, seeded from the
    environment variable ``CENSORSIM_GRADING_SEED``. When a class is graded
    (``make grade``, ``nbgrader autograde`` or the formgrader, all through
    ``nbgrader_config.py``), the grader derives each student's seed from the course's
    secret and the student's id and gives the kernel that seed only: the secret never
    reaches student code, and a seed seen in one student's feedback says nothing about
    another's cases. Without a seed (a student running the lab) a fixed default is used;
    an autograding kernel without one stops with an error instead of quietly grading
    every student on the public default.

Why the checks are hard to fool (DESIGN.md, section 5)
    Test cells run in the same Python process as the student's answers, so a test must
    not trust anything an answer cell could have changed:

    * comparisons go through :func:`same`, which checks the type of every value before
      comparing it: an object whose ``__eq__`` always says yes is not a ``list``, a
      ``str`` or a ``bool``, and fails;
    * messages show values with :func:`show`, which never calls a student's ``__repr__``;
    * the functions of this module cannot be replaced: assigning to
      ``cs.grading.check`` raises, and the module keeps serving its own functions even
      if its ``__dict__`` was edited behind its back;
    * :func:`forbidden` makes a function (or every method of a class) fail wherever the
      student's code looked it up: a module attribute, a name imported in an answer
      cell, a reference kept in a list.

    Code that rewrites the interpreter itself (frames, ``gc``, ``builtins``, the kernel)
    can get round any check that runs in the same process; the grader flags such code for
    review instead (``tools/autograding.py``).
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

__all__ = [
    "check",
    "check_equal",
    "check_raises",
    "same",
    "show",
    "forbidden",
    "grading_seed",
    "grading_rng",
    "SEED_VARIABLE",
    "DEFAULT_SEED",
]

SEED_VARIABLE = "CENSORSIM_GRADING_SEED"
DEFAULT_SEED = 2026
# nbgrader sets this to "autograde" while it grades (and "validate" for Validate)
EXECUTION_VARIABLE = "NBGRADER_EXECUTION"

# Types whose values are plain data: their equality is Python's own, never a student's.
_SCALARS = (type(None), bool, int, float, complex, str, bytes)
_SEQUENCES = (list, tuple)
_SETS = (set, frozenset)


def grading_seed() -> int:
    """The grading seed: ``$CENSORSIM_GRADING_SEED`` as an integer, or a fixed default.

    While nbgrader autogrades (``$NBGRADER_EXECUTION`` is ``autograde``) a missing seed
    is an error: the course's grader always sets one (see the module's docstring).
    """
    value = os.environ.get(SEED_VARIABLE, "").strip()
    if not value:
        if os.environ.get(EXECUTION_VARIABLE) == "autograde":
            raise RuntimeError(
                f"{SEED_VARIABLE} is not set while nbgrader autogrades: this kernel was not "
                "started by the course's grader. Grade from the course folder (make grade, or "
                "nbgrader and its formgrader there), whose nbgrader_config.py sets the seed."
            )
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


# -- plain data ------------------------------------------------------------------------------
def _hashable_plain(value: Any) -> bool:
    """True for plain values that can be dict keys or set members (no student hashing)."""
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is tuple:
        return all(_hashable_plain(item) for item in value)
    if kind is frozenset:
        return all(_hashable_plain(item) for item in value)
    return False


def same(actual: Any, expected: Any) -> bool:
    """True when ``actual`` equals ``expected`` and has the same type, at every level.

    Lists, tuples, dicts and sets are compared item by item, after checking that every
    key and member is plain data; any other value must be of exactly the expected type,
    whose own ``==`` then decides. So ``1`` is not ``True``, ``(1, 2)`` is not ``[1, 2]``,
    and an object that claims to equal everything equals nothing.
    """
    kind = type(expected)
    if type(actual) is not kind:
        return False
    if kind in _SEQUENCES:
        return len(actual) == len(expected) and all(
            same(a, e) for a, e in zip(actual, expected, strict=False)
        )
    if kind is dict:
        if not all(_hashable_plain(key) for key in actual):
            return False
        if len(actual) != len(expected) or actual.keys() != expected.keys():
            return False
        return all(same(actual[key], value) for key, value in expected.items())
    if kind in _SETS:
        return all(_hashable_plain(item) for item in actual) and actual == expected
    return bool(expected == actual)


def _plain(value: Any, depth: int = 0) -> bool:
    if depth > 20:
        return False
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind in _SEQUENCES or kind in _SETS:
        return all(_plain(item, depth + 1) for item in value)
    if kind is dict:
        return all(_plain(k, depth + 1) and _plain(v, depth + 1) for k, v in value.items())
    return False


def show(value: Any, limit: int = 300) -> str:
    """``repr(value)`` for plain data, cut to ``limit`` characters; a short description
    (``<a Verdict object>``) for anything else, so that no student code runs."""
    if _plain(value):
        text = repr(value)
    else:
        try:
            name = type(value).__qualname__
            name = name if type(name) is str else "?"
        except Exception:  # noqa: BLE001 - a hostile metaclass; say nothing more
            name = "?"
        text = f"<a {name} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- the checks ------------------------------------------------------------------------------
def check(condition: bool, what: str, hint: str = "") -> None:
    """Pass (print ``✔ what``) when ``condition`` is ``True``; otherwise raise with the hint.

    ``condition`` must be a ``bool``: a test that passes anything else is a mistake in the
    test (``TypeError``), never a pass.
    """
    if type(condition) is not bool:
        raise TypeError(f"check() needs True or False, not {show(condition)}")
    if condition:
        print(f"✔ {what}")
        return
    message = f"✘ {what}"
    if hint:
        message += f"\n  hint: {hint}"
    raise AssertionError(message)


def check_equal(actual: Any, expected: Any, what: str, hint: str = "") -> None:
    """Pass when :func:`same` says ``actual`` is ``expected``; otherwise say what came."""
    if same(actual, expected):
        print(f"✔ {what}")
        return
    message = f"✘ {what}\n  expected: {show(expected)}\n  got:      {show(actual)}"
    if type(actual) is not type(expected) and expected is not None:
        got = type(actual).__name__ if _plain(actual) else "something else"
        message += f"\n  (expected a {type(expected).__name__}, got a {got})"
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
        got = f"it raised {type(exc).__name__}: {show(str(exc))}"
    else:
        got = f"it returned {show(result)}"
    message = f"✘ {what}\n  expected {exception.__name__} to be raised, but {got}"
    if hint:
        message += f"\n  hint: {hint}"
    raise AssertionError(message)


# -- forbidden helpers -----------------------------------------------------------------------
def _stand_in(message: str) -> types.FunctionType:
    namespace: dict[str, Any] = {}
    exec(  # noqa: S102 - builds a function whose code holds the message as a constant
        f"def forbidden(*args, **kwargs):\n    raise AssertionError({message!r})\n",
        namespace,
    )
    return namespace["forbidden"]


def _forbidden(*objects: Any, message: str) -> Iterator[None]:
    """While the ``with`` block runs, calling any of ``objects`` raises ``AssertionError``.

    A function is disabled where it lives (its code is swapped), so every reference to it
    fails: ``dns.message.from_wire``, ``from dns.message import from_wire`` in an answer
    cell, a copy kept in a list. A class has every function of its body swapped (its
    constructor included), so it can be neither built nor used. Everything is put back
    when the block ends, even after an error.
    """
    stand_in = _stand_in(message)
    swaps: list[tuple[Any, str, Any]] = []  # (owner, attribute, original)
    for obj in objects:
        if isinstance(obj, type):
            for name, member in list(vars(obj).items()):
                if isinstance(member, types.FunctionType | staticmethod | classmethod):
                    swaps.append((obj, name, member))
        elif isinstance(obj, types.FunctionType):
            if obj.__code__.co_freevars:
                raise TypeError(f"cannot forbid {obj.__qualname__}: it is a closure")
            swaps.append((obj, "__code__", obj.__code__))
        else:
            raise TypeError(f"cannot forbid {show(obj)}: only functions and classes")
    try:
        for owner, name, _ in swaps:
            if name == "__code__":
                owner.__code__ = stand_in.__code__
            else:
                setattr(owner, name, stand_in)
        yield
    finally:
        for owner, name, original in swaps:
            setattr(owner, name, original)


forbidden = contextlib.contextmanager(_forbidden)


# -- a module whose checks cannot be replaced ------------------------------------------------
def _seal(module: types.ModuleType, names: list[str]) -> None:
    """Make ``module`` serve its own ``names`` whatever an answer cell does to it.

    Assigning or deleting one of them raises ``AttributeError`` with a clear message. An
    edit of the module's ``__dict__`` changes nothing either: the module serves copies of
    its functions made now, whose globals are a private snapshot of the module's, so that
    ``check_equal`` still calls the real ``same`` after ``vars(cs.grading)["same"]`` was
    replaced.
    """
    private = dict(vars(module))
    for name, value in vars(module).items():
        if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            twin = types.FunctionType(
                value.__code__, private, value.__name__, value.__defaults__, value.__closure__
            )
            twin.__kwdefaults__ = value.__kwdefaults__
            twin.__qualname__, twin.__doc__ = value.__qualname__, value.__doc__
            twin.__module__ = value.__module__
            twin.__annotations__ = value.__annotations__
            private[name] = twin
    private["forbidden"] = contextlib.contextmanager(private["_forbidden"])
    originals = {name: private[name] for name in names}
    base_getattribute = types.ModuleType.__getattribute__

    class SealedModule(types.ModuleType):
        __slots__ = ()

        def __getattribute__(self, name: str) -> Any:
            if name in originals:
                return originals[name]
            return base_getattribute(self, name)

        def __setattr__(self, name: str, value: Any) -> None:
            if name in originals or name == "__class__":
                raise AttributeError(
                    f"censorsim.grading.{name} cannot be replaced: the test cells rely on it"
                )
            super().__setattr__(name, value)

        def __delattr__(self, name: str) -> None:
            if name in originals:
                raise AttributeError(f"censorsim.grading.{name} cannot be deleted")
            super().__delattr__(name)

    object.__setattr__(module, "__class__", SealedModule)  # (also when the module is reloaded)


_seal(sys.modules[__name__], [name for name in __all__ if not name.isupper()])

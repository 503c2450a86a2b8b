"""Helpers shared by the tests (import with ``from helpers import ...``)."""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = os.environ.get("CENSORSIM_CI") == "1"


def require_program(name: str) -> str:
    """The path of an external program; skip the test without it (fail in CI instead)."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed"
        if IN_CI:
            pytest.fail(f"{message}, and CI must run this test (.ci/run installs it)")
        pytest.skip(message)
    return path


def censored(*rules, seed: int = 0, reassemble: bool = False):
    """A football_night world whose ISP runs these rules."""
    import censorsim as cs

    w = cs.worlds.football_night(seed=seed)
    w.isp.censor.reassemble = reassemble
    for rule in rules:
        w.isp.censor.add(rule)
    return w

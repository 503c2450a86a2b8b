"""Shared test helpers: scenario builders, program requirements, hypothesis profiles."""

from __future__ import annotations

import os

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

settings.register_profile("default", max_examples=200, deadline=None)
settings.register_profile(
    "fuzz", max_examples=20000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def world():
    """A fresh football_night world (seed 0)."""
    import censorsim as cs

    return cs.worlds.football_night(seed=0)

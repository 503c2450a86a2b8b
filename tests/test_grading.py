"""The lab helpers: self-checks print ✔ to stdout or raise with a hint; seeds from the env."""

import pytest

from censorsim import grading


def test_check_passes_quietly_on_stdout(capsys):
    grading.check(1 + 1 == 2, "addition works")
    grading.check_equal([1, 2], [1, 2], "lists match")
    grading.check_raises(lambda: int("x"), ValueError, "int rejects letters")
    out, err = capsys.readouterr()
    assert out == "✔ addition works\n✔ lists match\n✔ int rejects letters\n"
    assert err == ""


def test_failures_say_what_was_expected_and_hint(capsys):
    with pytest.raises(AssertionError) as info:
        grading.check_equal("203.0.113.10", ["203.0.113.10"], "addresses", hint="return a list")
    text = str(info.value)
    assert text.startswith("✘ addresses")
    assert "expected: ['203.0.113.10']" in text and "got:      '203.0.113.10'" in text
    assert "expected a list, got a str" in text and "hint: return a list" in text
    with pytest.raises(AssertionError, match="hint: look at r.failure"):
        grading.check(False, "stage", hint="look at r.failure")
    with pytest.raises(AssertionError, match="but it returned 3"):
        grading.check_raises(lambda: 3, ValueError, "raises")
    with pytest.raises(AssertionError, match="but it raised KeyError"):
        grading.check_raises(lambda: {}["x"], ValueError, "raises")
    assert capsys.readouterr().err == ""


def test_grading_seed_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(grading.SEED_VARIABLE, raising=False)
    default = [grading.grading_rng("t").random() for _ in range(3)]
    assert grading.grading_seed() == grading.DEFAULT_SEED
    monkeypatch.setenv(grading.SEED_VARIABLE, "31337")
    assert grading.grading_seed() == 31337
    other = [grading.grading_rng("t").random() for _ in range(3)]
    assert other != default
    assert [grading.grading_rng("t").random() for _ in range(3)] == other
    assert grading.grading_rng("u").random() != other[0]
    monkeypatch.setenv(grading.SEED_VARIABLE, "not a number")
    with pytest.raises(ValueError, match="is not an integer"):
        grading.grading_seed()

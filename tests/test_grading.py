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


def test_grading_seed_is_required_while_nbgrader_autogrades(monkeypatch):
    monkeypatch.delenv(grading.SEED_VARIABLE, raising=False)
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    assert grading.grading_seed() == grading.DEFAULT_SEED  # a student's Validate button
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(RuntimeError, match="not started by the course's grader"):
        grading.grading_rng("t")
    monkeypatch.setenv(grading.SEED_VARIABLE, "12")
    assert grading.grading_seed() == 12


class _AlwaysEqual:
    """What a student might return to pass any test that compares with ==."""

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__

    def __repr__(self):
        raise RuntimeError("a test called the student's __repr__")


class _SneakyStr(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


@pytest.mark.parametrize(
    ("actual", "expected", "wanted"),
    [
        (["a", 1], ["a", 1], True),
        ({"k": {"x", "y"}, "n": (1, None)}, {"n": (1, None), "k": {"y", "x"}}, True),
        (frozenset({("a", 1)}), frozenset({("a", 1)}), True),
        (1, True, False),  # a bool is not an int here
        (1.0, 1, False),
        ((1, 2), [1, 2], False),
        ([1, 2], [1, 2, 3], False),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        (_AlwaysEqual(), "movinet", False),
        ([_AlwaysEqual()], ["movinet"], False),
        ({_AlwaysEqual(): 1}, {"a": 1}, False),
        ({_AlwaysEqual()}, {"a"}, False),
        (_SneakyStr("x"), "movinet", False),
        ({"a": _SneakyStr("x")}, {"a": "b"}, False),
    ],
)
def test_same_checks_every_type_and_is_not_fooled_by_eq(actual, expected, wanted):
    assert grading.same(actual, expected) is wanted


def test_messages_never_call_student_code(capsys):
    with pytest.raises(AssertionError) as info:
        grading.check_equal(_AlwaysEqual(), ["movinet"], "the hop")
    text = str(info.value)
    assert "got:      <a _AlwaysEqual object>" in text
    assert "(expected a list, got a something else)" in text
    assert grading.show("x" * 1000).endswith("...") and len(grading.show("x" * 1000)) == 300
    with pytest.raises(AssertionError, match="but it returned <a _AlwaysEqual object>"):
        grading.check_raises(_AlwaysEqual, ValueError, "raises")
    with pytest.raises(TypeError, match="needs True or False"):
        grading.check(_AlwaysEqual(), "a condition that is not a bool")
    assert capsys.readouterr().out == ""


def test_the_checks_cannot_be_replaced():
    import censorsim as cs

    original = cs.grading.check
    with pytest.raises(AttributeError, match="cannot be replaced"):
        cs.grading.check = lambda *args, **kwargs: print("✔")
    with pytest.raises(AttributeError, match="cannot be replaced"):
        cs.grading.same = lambda *args: True
    with pytest.raises(AttributeError, match="cannot be deleted"):
        del cs.grading.check_equal
    with pytest.raises(AttributeError, match="cannot be replaced"):
        cs.grading.__class__ = type(cs)
    # an edit of the module's dictionary behind its back changes nothing either, not even
    # for the module's own functions (check_equal calls same, show...)
    saved = dict(vars(cs.grading))
    try:
        for name in ("check", "check_equal", "same", "show", "_plain", "_hashable_plain"):
            vars(cs.grading)[name] = lambda *args, **kwargs: True
        assert cs.grading.check is original
        from censorsim.grading import check, check_equal

        assert check is original
        with pytest.raises(AssertionError):
            check(False, "still checks")
        with pytest.raises(AssertionError, match="got:      'x'"):
            check_equal("x", "movinet", "still compares")
        with pytest.raises(AssertionError, match="no shortcut"):
            with cs.grading.forbidden(cs.normalize_name, message="no shortcut"):
                vars(cs.grading)["_stand_in"] = lambda message: print
                cs.normalize_name("a")
    finally:
        vars(cs.grading).clear()
        vars(cs.grading).update(saved)


def test_forbidden_helpers_fail_wherever_they_were_looked_up():
    import dns.message

    import censorsim as cs
    import censorsim.wire

    kept = [dns.message.from_wire, censorsim.wire.parse_dns]  # as an answer cell might
    from_wire = dns.message.from_wire
    query = dns.message.make_query("bakery.example", "A").to_wire()
    message = "may not call the parser"
    with grading.forbidden(dns.message.from_wire, censorsim.wire.parse_dns, message=message):
        for call in [*kept, from_wire, dns.message.from_wire, cs.wire.parse_dns]:
            with pytest.raises(AssertionError, match=message):
                call(query)
    assert [type(f(query)).__name__ for f in kept] == ["QueryMessage", "QueryMessage"]

    class Mine(cs.Blocklist):  # a subclass made before the test runs
        pass

    with grading.forbidden(cs.Blocklist, cs.normalize_name, message="no shortcut"):
        for call in (
            lambda: cs.Blocklist(["mit.edu"]),
            lambda: Mine(["mit.edu"]),
            lambda: cs.normalize_name("MIT.EDU."),
        ):
            with pytest.raises(AssertionError, match="no shortcut"):
                call()
    assert cs.Blocklist(["mit.edu"], match="suffix").matches("www.mit.edu")
    assert Mine(["mit.edu"], match="suffix").matches("WWW.MIT.EDU.")
    assert cs.normalize_name("MIT.EDU.") == "mit.edu"
    with pytest.raises(TypeError, match="only functions and classes"):
        with grading.forbidden(len, message="x"):
            pass

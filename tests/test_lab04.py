"""Lab 04 cannot be solved by reading the world: hostile answers gain nothing (issue 12).

The detective's probes measure worlds built in another process (``cs.measure.Blackbox``).
Answers that try to read the censors instead of measuring them are graded here as the
grader grades them (tests/mutation.py: the solution notebook, hidden tests included, in one
kernel, then each answer's task cells): reading the world through the probe, spying on
``CensorEngine.add`` from an answer cell, reading the censor's verdicts in a trace. Each one
scores nothing in the hidden tests of its task. The ways around that reach into the
interpreter or replace library code, and the grader flags them for review
(``tools/autograding.suspicious_code``).
"""

from __future__ import annotations

import pytest
from mutation import Mutant, run_lab, seeds, source_notebook, tasks
from nbgrader_helpers import autograding, nbgrader_meta

LAB = "lab04-detective"

READS_THE_WORLD = '''
def investigate(probe, urls):
    """Read the rules of the probe's world instead of measuring."""
    world = probe._world  # a local Probe keeps its world here
    rules = [repr(r) for n in world.networks.values() if n.censor for r in n.censor.rules]
    return {url: {"mechanism": "none" if not rules else "ip-drop", "mode": None} for url in urls}
'''

SPIES_ON_RULES = '''
from censorsim.censors.engine import CensorEngine

SEEN = []
_add = CensorEngine.add


def _spy(self, rule):
    SEEN.append(rule)
    return _add(self, rule)


CensorEngine.add = _spy


def investigate(probe, urls):
    """Answer from the rules seen while the tests built their worlds."""
    found = {}
    for url in urls:
        name = host_of(url)
        hits = [r for r in SEEN if getattr(r, "blocklist", None) and r.blocklist.matches(name)]
        mechanism = cs.measure.MECHANISMS.get(type(hits[-1]).__name__, "none") if hits else "none"
        mode = hits[-1].blocklist.match_mode if hits else None
        found[url] = {"mechanism": mechanism, "mode": mode}
    return found
'''

READS_VERDICTS = '''
def connection_block(probe, url):
    """Name the rule from the censor's verdict in the fetch's trace."""
    r = probe.fetch(url)
    verdicts = r.trace.verdicts()
    if not verdicts:
        return "none"
    rule = verdicts[0].verdict.rule.split("(")[0]
    return cs.measure.MECHANISMS.get(rule, "none")
'''

REPLACES_THE_BLACKBOX = """
import censorsim.measure as measure


def _local(recipe, *, judge=None, deny=()):
    world = cs.worlds.recipe.build(recipe)
    return world


measure.Blackbox.build = staticmethod(_local)


def triage(probe, url):
    return "ok"
"""

HOSTILE = {
    "reads-the-world": ("investigate_answer", READS_THE_WORLD),
    "spies-on-rules": ("investigate_answer", SPIES_ON_RULES),
    "reads-verdicts": ("connection_block_answer", READS_VERDICTS),
}


def test_answers_that_replace_library_code_are_flagged():
    flags = {name: autograding.suspicious_code(source) for name, (_, source) in HOSTILE.items()}
    assert any("changes CensorEngine.add" in f for f in flags["spies-on-rules"])
    replaced = autograding.suspicious_code(REPLACES_THE_BLACKBOX)
    assert any("changes measure.Blackbox.build" in f for f in replaced), replaced
    # reading attributes is no interpreter trick: not flagged, and it gains nothing (below)
    assert flags["reads-the-world"] == [] and flags["reads-verdicts"] == []


@pytest.mark.slow
def test_hostile_answers_score_nothing_in_the_hidden_tests():
    nb = source_notebook(LAB)
    hidden = {
        nbgrader_meta(c)["grade_id"]
        for c in nb.cells
        if "### BEGIN HIDDEN TESTS" in c.source and nbgrader_meta(c)
    }
    mutants = [
        Mutant(LAB, name, answer, f"hostile: {name}", source)
        for name, (answer, source) in HOSTILE.items()
    ]
    run = run_lab(LAB, seeds(1)[0], mutants)
    assert all(run.solution[g] == run.maximum[g] for g in run.solution), run.solution
    by_answer = tasks(nb)
    for mutant in mutants:
        points = run.mutants[mutant.name]
        assert len(points) == len(by_answer[mutant.answer])
        gained = {g: p for g, p in points.items() if g in hidden and p > 0}
        assert not gained, f"{mutant.name} gained {gained}"

# mutant of judge_list_answer: returns the names in the order they came, not sorted as the task
# asks
import re


def judge_list(entries, mode, names, targets):
    """{'missed': [...], 'collateral': [...]}: target names the list lets through, and other
    names it blocks, each sorted."""

    def blocked(name):
        if mode == "exact":
            return name in entries
        if mode == "suffix":
            return any(name == e or name.endswith("." + e) for e in entries)
        if mode == "substring":
            return any(e in name for e in entries)
        if mode == "regex":
            return any(re.search(e, name) for e in entries)
        raise ValueError(f"mode {mode!r} is not exact, suffix, substring or regex")

    def is_target(name):
        return any(name == t or name.endswith("." + t) for t in targets)

    return {
        "missed": [n for n in names if is_target(n) and not blocked(n)],
        "collateral": [n for n in names if not is_target(n) and blocked(n)],
    }

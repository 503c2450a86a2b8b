"""Host names as censors compare them: normalised, validated, explained when wrong.

A block list written by a court says ``Example.ORG.`` or ``bücher.example``; the query on
the wire says ``example.org`` or ``xn--bcher-kva.example``. Before comparing anything, a
censor (and this package) brings names to one form: lower case, no trailing dot,
internationalised names in their ASCII form (IDNA 2008 with UTS 46 mapping, as browsers
do). A name that cannot be a host name raises ``ValueError`` quoting it and saying why.
"""

from __future__ import annotations

import re

import idna

__all__ = ["normalize_name", "is_valid_name"]

_LABEL = r"(?!-)[a-z0-9_-]{1,63}(?<!-)"
_FAST = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_LABEL_RE = re.compile(_LABEL)


def normalize_name(name: object) -> str:
    """Return the canonical form of a host name, or raise ``ValueError`` saying why not.

    >>> normalize_name("WWW.Example.ORG.")
    'www.example.org'
    >>> normalize_name("bücher.example")
    'xn--bcher-kva.example'
    """
    if not isinstance(name, str):
        raise ValueError(f"{name!r} is not a host name: expected a str, got {type(name).__name__}")
    text = name.lower()
    if text == name:
        text = name  # keep the caller's string: a million-entry list stores each name once
    if text.endswith("."):
        text = text[:-1]
    if len(text) <= 253 and _FAST.fullmatch(text):
        return text
    return _slow_normalize(name, text)


def _slow_normalize(original: str, text: str) -> str:
    if not text.strip():
        raise ValueError(f"{original!r} is not a valid host name: it is empty")
    if text != text.strip():
        raise ValueError(
            f"{original!r} is not a valid host name: it has leading or trailing spaces"
        )
    if not text.isascii():
        try:
            text = idna.encode(text, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise ValueError(
                f"{original!r} is not a valid internationalised host name: {exc}"
            ) from None
    if ".." in text or text.startswith("."):
        raise ValueError(f"{original!r} is not a valid host name: it has an empty label")
    if len(text) > 253:
        raise ValueError(
            f"{original!r} is not a valid host name: {len(text)} characters, at most 253 allowed"
        )
    for label in text.split("."):
        if " " in label:
            raise ValueError(
                f"{original!r} is not a valid host name: labels may not contain spaces"
            )
        if len(label) > 63:
            raise ValueError(
                f"{original!r} is not a valid host name: label {label[:20]!r}... has "
                f"{len(label)} characters, at most 63 allowed"
            )
        if label.startswith("-") or label.endswith("-"):
            raise ValueError(
                f"{original!r} is not a valid host name: label {label!r} starts or ends with a hyphen"
            )
        if not _LABEL_RE.fullmatch(label):
            bad = sorted({c for c in label if not (c.isalnum() and c.isascii()) and c not in "-_"})
            raise ValueError(
                f"{original!r} is not a valid host name: label {label!r} contains "
                f"{''.join(bad)!r}; only letters, digits, hyphens and underscores are allowed"
            )
    return text


def is_valid_name(name: object) -> bool:
    """True when :func:`normalize_name` accepts ``name``."""
    try:
        normalize_name(name)
    except ValueError:
        return False
    return True

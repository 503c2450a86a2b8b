"""Block lists with explicit matching semantics (lessons 02, 03, 04).

Theory of operation
-------------------
Every censor holds a list and a way of comparing a name or an address with it, and the
way of comparing decides what else gets blocked:

* ``"exact"``: ``stream.example`` blocks that name only. Italy's Piracy Shield tickets
  list fully qualified domain names this way.
* ``"suffix"``: ``mit.edu`` blocks ``mit.edu`` and every name under it (``www.mit.edu``)
  but not ``kermit.edu``: matching is at label boundaries, as a DNS response policy zone
  that lists both ``mit.edu`` and ``*.mit.edu`` does (an RPZ wildcard alone does not match
  the name itself).
* ``"substring"``: ``t.co`` blocks every name containing those characters, which is how
  Russia's 2021 rule ``*t.co*`` also throttled ``microsoft.com`` and ``reddit.com``
  (Censored Planet, censoredplanet.org/throttling, 2021). Fragments may be any part of a
  name, digits included (``12.34`` is a fragment, not an address, in this mode);
  internationalised fragments are compared in their ASCII form (``bücher`` becomes
  ``xn--bcher-kva``), as names travel on the wire. All fragments are searched in one
  pass over the name (Aho-Corasick, with ``pyahocorasick``): a million fragments cost
  no more per lookup than ten.
* ``"regex"``: each entry is a regular expression searched in the name (anchor it with
  ``^`` and ``$`` to match whole names), case-insensitively, with RE2 (``google-re2``):
  its matching time grows linearly with the name, so a pattern such as ``(a+)+$`` that
  makes Python's backtracking ``re`` take seconds cannot stall a censor. RE2 has no
  backreferences or lookarounds; a pattern that uses them is refused with its reason.

When several entries match, the first one listed is reported, in every mode and in every
process (the order never depends on hashing).

Entries may also be IPv4 or IPv6 addresses and prefixes: an address matches an equal
address entry or a prefix that contains it, whatever the match mode. Names are compared
in their normal form (:func:`censorsim.names.normalize_name`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

import ahocorasick
import re2

from censorsim.names import normalize_name

__all__ = ["Blocklist", "MATCH_MODES"]

MATCH_MODES = ("exact", "suffix", "substring", "regex")
_FRAGMENT = re.compile(r"[a-z0-9._-]+")
_IP_CHARS = frozenset("0123456789abcdef:./")


def _could_be_ip(text: str) -> bool:
    # A host name's last label is never all digits and a name has no colon or slash:
    # only text that could be an address or a prefix pays for parsing one.
    return ":" in text or "/" in text or text.rpartition(".")[2].strip().isdigit()


def _parse_ip_entry(text: str):
    """An address or a network for ``text``, or None when it is not IP-shaped at all."""
    if not text or not set(text) <= _IP_CHARS or not (text[0].isdigit() or ":" in text):
        return None
    if "/" in text:
        try:
            return ipaddress.ip_network(text, strict=True)
        except ValueError as exc:
            if "host bits set" in str(exc):
                fixed = ipaddress.ip_network(text, strict=False)
                raise ValueError(
                    f"{text!r} is not a valid prefix: it has host bits set; did you mean {fixed}?"
                ) from None
            raise ValueError(f"{text!r} is not a valid IP prefix: {exc}") from None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        if ":" in text or text.replace(".", "").isdigit():
            raise ValueError(f"{text!r} is not a valid IPv4 or IPv6 address") from None
        return None  # e.g. "1e100.net": a name that merely starts with a digit


class Blocklist:
    """A list of names, addresses and prefixes, and how to match against it.

    >>> bl = Blocklist(["mit.edu", "192.0.2.0/24"], match="suffix")
    >>> bl.matches("www.mit.edu"), bl.matches("kermit.edu"), bl.matches("192.0.2.7")
    (True, False, True)
    """

    __slots__ = (
        "match_mode",
        "_names",
        "_fragments",
        "_automaton",
        "_patterns",
        "_addresses",
        "_prefixes",
        "_prefix_lengths",
        "_entries",
    )

    def __init__(self, entries: Iterable[object] = (), match: str = "exact"):
        if match not in MATCH_MODES:
            raise ValueError(f"match={match!r} is not a match mode: expected one of {MATCH_MODES}")
        if isinstance(entries, str | bytes):
            raise ValueError(
                f"entries must be a list of names or addresses, got the single string {entries!r}"
                f"; write [{entries!r}]"
            )
        self.match_mode = match
        self._names: set[str] = set()
        self._fragments: dict[str, int] = {}  # substring mode: fragment -> position listed
        self._automaton = None  # built at the first lookup
        self._patterns: list[tuple[str, object]] = []
        self._addresses: set = set()
        self._prefixes: dict[tuple[int, int], dict[int, object]] = {}
        self._entries: list[object] = []
        for entry in entries:
            self._add(entry)
        self._prefix_lengths = sorted(self._prefixes, key=lambda k: -k[1])

    def _add(self, entry: object) -> None:
        if isinstance(entry, ipaddress.IPv4Address | ipaddress.IPv6Address):
            self._addresses.add(entry)
            self._entries.append(entry)
            return
        if isinstance(entry, ipaddress.IPv4Network | ipaddress.IPv6Network):
            self._add_network(entry)
            return
        if not isinstance(entry, str):
            raise ValueError(
                f"block list entry {entry!r} is a {type(entry).__name__}: expected a host name, "
                "an IP address or a prefix as a string"
            )
        ip = self._ip_of(entry)
        if ip is not None:
            if isinstance(ip, ipaddress.IPv4Network | ipaddress.IPv6Network):
                self._add_network(ip)
            else:
                self._addresses.add(ip)
                self._entries.append(ip)
            return
        if self.match_mode == "regex":
            options = re2.Options()
            options.case_sensitive = False
            options.log_errors = False  # RE2 would print its complaint on stderr
            try:
                self._patterns.append((entry, re2.compile(entry, options)))
            except re2.error as exc:
                raise ValueError(
                    f"{entry!r} is not a regular expression RE2 accepts ({exc}): RE2 has no "
                    "backreferences or lookarounds"
                ) from None
        elif self.match_mode == "substring":
            fragment = entry.lower()
            if not fragment.isascii():
                fragment = ".".join(
                    normalize_name(part) if part else "" for part in fragment.split(".")
                )
            if not fragment or not _FRAGMENT.fullmatch(fragment):
                raise ValueError(
                    f"{entry!r} is not a valid name fragment: only letters, digits, dots, "
                    "hyphens and underscores are allowed"
                )
            self._fragments.setdefault(fragment, len(self._fragments))
            self._names.add(fragment)
        else:
            if entry.startswith("*."):
                raise ValueError(
                    f"{entry!r} is a wildcard: write {entry[2:]!r} with match='suffix' to block "
                    "a domain and everything under it"
                )
            entry = normalize_name(entry)
            self._names.add(entry)
        self._entries.append(entry)

    def _ip_of(self, entry: str):
        """The address or prefix ``entry`` stands for, or None when it is a name. In the
        substring and regex modes, text that only looks like part of an address
        (``12.34``) is a fragment, not an error."""
        if not _could_be_ip(entry):
            return None
        if self.match_mode in ("substring", "regex"):
            try:
                return _parse_ip_entry(entry.strip().lower())
            except ValueError:
                return None
        return _parse_ip_entry(entry.strip().lower())

    def _add_network(self, net) -> None:
        if net.prefixlen == net.max_prefixlen:
            self._addresses.add(net.network_address)
        else:
            key = (net.version, net.prefixlen)
            self._prefixes.setdefault(key, {})[int(net.network_address)] = net
        self._entries.append(net)

    # -- matching ----------------------------------------------------------------------
    def match(self, value: object) -> str | None:
        """The entry that ``value`` (a name or an address) matches, as text, or None.

        Raises ``ValueError`` when ``value`` is neither a valid host name nor an address.
        """
        if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
            return self._match_address(value)
        if isinstance(value, str):
            # A host name's last label is never all digits and a name has no colon: only
            # text that could be an address pays for parsing one.
            if _could_be_ip(value):
                ip = _parse_ip_entry(value.strip().lower())
                if isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address):
                    return self._match_address(ip)
                if ip is not None:
                    raise ValueError(
                        f"{value!r} is a prefix: match() takes one name or one address"
                    )
            return self._match_name(value)
        raise ValueError(
            f"{value!r} is a {type(value).__name__}: expected a host name or an IP address"
        )

    def matches(self, value: object) -> bool:
        """True when ``value`` (a host name or an IP address) is blocked by this list."""
        return self.match(value) is not None

    __contains__ = matches

    def _match_address(self, address) -> str | None:
        if address in self._addresses:
            return str(address)
        value = int(address)
        version = address.version
        bits = 32 if version == 4 else 128
        for v, length in self._prefix_lengths:
            if v != version:
                continue
            network = (value >> (bits - length)) << (bits - length)
            hit = self._prefixes[(v, length)].get(network)
            if hit is not None:
                return str(hit)
        return None

    def _match_name(self, name: str) -> str | None:
        mode = self.match_mode
        if mode == "regex":
            norm = normalize_name(name)
            for text, pattern in self._patterns:
                if pattern.search(norm):
                    return text
            return None
        if not self._names:
            normalize_name(name)  # still reject invalid names
            return None
        norm = normalize_name(name)
        names = self._names
        if mode == "substring":
            return self._match_fragment(norm)
        if mode == "exact":
            return norm if norm in names else None
        if mode == "suffix":
            if norm in names:
                return norm
            i = norm.find(".")
            while i >= 0:
                parent = norm[i + 1 :]
                if parent in names:
                    return parent
                i = norm.find(".", i + 1)
            return None
        return None  # pragma: no cover - every mode returned above

    def _match_fragment(self, name: str) -> str | None:
        automaton = self._automaton
        if automaton is None:
            automaton = ahocorasick.Automaton()
            for fragment, position in self._fragments.items():
                automaton.add_word(fragment, (position, fragment))
            automaton.make_automaton()
            self._automaton = automaton
        best = None
        for _end, found in automaton.iter(name):
            if best is None or found[0] < best[0]:
                best = found
        return None if best is None else best[1]

    # -- the list as a collection ------------------------------------------------------
    def has_names(self) -> bool:
        """Whether the list holds host names (or name patterns)."""
        return bool(self._names or self._patterns)

    def has_addresses(self) -> bool:
        """Whether the list holds addresses or prefixes."""
        return bool(self._addresses or self._prefixes)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self):
        return iter(self._entries)

    @property
    def names(self) -> frozenset[str]:
        """The name entries in normal form (patterns, for a regex list)."""
        if self.match_mode == "regex":
            return frozenset(text for text, _ in self._patterns)
        return frozenset(self._names)

    @property
    def networks(self) -> tuple:
        """The address and prefix entries, as ``ipaddress`` networks."""
        nets = [ipaddress.ip_network(a) for a in self._addresses]
        nets += [n for table in self._prefixes.values() for n in table.values()]
        return tuple(sorted(nets, key=lambda n: (n.version, n)))

    def __repr__(self) -> str:
        n_names = len(self._names) + len(self._patterns)
        n_ip = len(self._addresses) + sum(len(t) for t in self._prefixes.values())
        if len(self._entries) <= 4:
            shown = ", ".join(repr(str(e)) for e in self._entries)
            return f"Blocklist([{shown}], match={self.match_mode!r})"
        return (
            f"Blocklist({n_names} names, {n_ip} addresses and prefixes, match={self.match_mode!r})"
        )

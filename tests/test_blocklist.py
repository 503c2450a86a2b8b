"""Block lists: normalisation, the four match modes, addresses and prefixes, bad input."""

import ipaddress

import pytest

from censorsim import Blocklist, normalize_name
from censorsim.names import is_valid_name


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("WWW.Example.ORG.", "www.example.org"),
        ("bakery.example", "bakery.example"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("BÜCHER.example.", "xn--bcher-kva.example"),
        ("_dmarc.example.org", "_dmarc.example.org"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ],
)
def test_normalize_name(given, expected):
    assert normalize_name(given) == expected


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("exa mple.org", "spaces"),
        ("", "empty"),
        ("a..b", "empty label"),
        ("-bad.example", "hyphen"),
        ("a" * 64 + ".example", "63"),
        (".".join(["abcdefghi"] * 30), "253"),
        ("bad!name.example", "'!'"),
        (42, "expected a str"),
    ],
)
def test_invalid_names_are_explained(given, words):
    with pytest.raises(ValueError) as info:
        normalize_name(given)
    message = str(info.value)
    assert repr(given)[:20] in message or str(given)[:20] in message
    assert words in message
    assert not is_valid_name(given)


def test_suffix_matches_at_label_boundaries():
    bl = Blocklist(["mit.edu"], match="suffix")
    assert bl.matches("mit.edu")
    assert bl.matches("www.mit.edu")
    assert bl.matches("a.b.MIT.EDU.")
    assert not bl.matches("kermit.edu")
    assert not bl.matches("mit.edu.evil.example")
    assert bl.match("deep.www.mit.edu") == "mit.edu"


def test_exact_matches_only_the_name():
    bl = Blocklist(["stream.example"])
    assert bl.matches("STREAM.example.")
    assert not bl.matches("www.stream.example")
    assert not bl.matches("stream.example.org")


def test_substring_reproduces_the_t_co_overblocking():
    bl = Blocklist(["t.co"], match="substring")
    assert bl.matches("t.co")
    assert bl.matches("microsoft.com")
    assert bl.matches("reddit.com")
    assert not bl.matches("twitter.example")


def test_regex_is_searched_in_the_normalised_name():
    bl = Blocklist([r"^stream\d*\.", r"casino"], match="regex")
    assert bl.matches("Stream42.example")
    assert bl.matches("best-casino.example")
    assert not bl.matches("livestream.example")
    assert bl.match("casino.example") == "casino"


def test_internationalised_entries_and_queries_meet_in_ascii():
    bl = Blocklist(["bücher.example"], match="suffix")
    assert bl.matches("xn--bcher-kva.example")
    assert bl.matches("www.BÜCHER.example")
    assert bl.names == frozenset({"xn--bcher-kva.example"})


@pytest.mark.parametrize("mode", ["exact", "suffix", "substring", "regex"])
def test_addresses_and_prefixes_match_in_every_mode(mode):
    bl = Blocklist(["192.0.2.7", "198.51.100.0/24", "2001:db8::/32", "stream.example"], match=mode)
    assert bl.matches("192.0.2.7")
    assert bl.matches(ipaddress.ip_address("198.51.100.200"))
    assert bl.matches("2001:db8:cd::10")
    assert not bl.matches("192.0.2.8")
    assert not bl.matches("2001:db9::1")
    assert bl.match("198.51.100.1") == "198.51.100.0/24"


def test_nested_prefixes_report_the_most_specific():
    bl = Blocklist(["10.0.0.0/8", "10.1.0.0/16"])
    assert bl.match("10.1.2.3") == "10.1.0.0/16"
    assert bl.match("10.2.2.3") == "10.0.0.0/8"


@pytest.mark.parametrize(
    ("entries", "match", "words"),
    [
        (["192.0.2.7/24"], "exact", "did you mean 192.0.2.0/24"),
        (["300.1.2.3"], "exact", "not a valid IPv4 or IPv6 address"),
        (["*.example.org"], "exact", "match='suffix'"),
        (["exa mple.org"], "suffix", "spaces"),
        (["(unclosed"], "regex", "not a regular expression RE2 accepts"),
        ([r"(a)\1"], "regex", "backreferences"),
        (["stream.example"], "glob", "not a match mode"),
        ("stream.example", "exact", "single string"),
        ([42], "exact", "is a int"),
        (["bad name!"], "substring", "name fragment"),
    ],
)
def test_bad_entries_raise_clear_errors(entries, match, words):
    with pytest.raises(ValueError, match=None) as info:
        Blocklist(entries, match=match)
    assert words in str(info.value)


def test_invalid_query_names_raise_and_lose_nothing():
    bl = Blocklist(["a.example"], match="suffix")
    with pytest.raises(ValueError, match="spaces"):
        bl.matches("a b.example")
    assert bl.matches("x.a.example")  # the list still works afterwards
    assert len(bl) == 1


def test_names_that_start_with_digits_are_names():
    bl = Blocklist(["1e100.net", "4chan.example"], match="suffix")
    assert bl.matches("www.1e100.net")
    assert bl.networks == ()


def test_repr_and_collection_views():
    bl = Blocklist(["b.example", "a.example", "192.0.2.0/24"], match="suffix")
    assert repr(bl) == "Blocklist(['b.example', 'a.example', '192.0.2.0/24'], match='suffix')"
    assert len(bl) == 3
    assert "www.a.example" in bl
    assert bl.networks == (ipaddress.ip_network("192.0.2.0/24"),)
    big = Blocklist([f"site{i}.example" for i in range(10)])
    assert repr(big) == "Blocklist(10 names, 0 addresses and prefixes, match='exact')"

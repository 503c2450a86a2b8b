"""A synthetic internet of a million names, for questions of scale (lesson 05).

Theory of operation
-------------------
Packet-level worlds answer "how does blocking work?"; this module answers "how much does
it break?". :func:`synthetic_internet` draws a web of ``n_domains`` host names the way
the measured web is shaped:

* **popularity** follows a Zipf-like law: the name of rank *r* gets a share of visits
  proportional to ``r ** -popularity_exponent`` (Breslau et al., INFOCOM 1999, found
  web requests "Zipf-like", with an exponent that varies from trace to trace);
* **hosting** is concentrated. About a quarter of names sit behind a CDN, on anycast
  address *pairs* shared by thousands of customers (blocked Cloudflare addresses come in
  pairs such as 188.114.96.3 and 188.114.97.3 in the lists published by hayahora.futbol);
  most of the rest share shared-hosting addresses, with hundreds of names on the busiest
  ones; a fifth have an address of their own (Hoang et al., ASIA CCS 2020: 20 % of
  domains map one-to-one to an address, 30 % share theirs with more than 100 others,
  and popular domains tend to have dedicated addresses). A few big platforms serve their
  own host names (``drive.usercontent.<platform>.example``...) from their own frontends;
* every name has IPv4 addresses, and many have IPv6 ones too;
* names have **categories** (news, banking, schools, government, shops, streaming, app
  backends, platforms, other);
* a small set of **infringing services** (live-football streams) sit on the CDN or on
  leased addresses, and hop: to another CDN pair or another lease, and to new names.

Every number behind these choices is a named field of :class:`SyntheticParameters`,
documented with the real-world figure it stands for and its source, or marked as an
assumption; ``synthetic_internet(**changes)`` changes any of them.

The world is a structure of numpy arrays, one row per name (no Python object per
name), so a million names take about a second to draw and a block list's effect on all
of them takes a few hundredths of a second. :meth:`SyntheticInternet.outcome` applies a
:class:`BlockOrder` (names blocked in DNS, addresses and prefixes, names blocked by SNI)
with the semantics of the packet simulator:

* **DNS**: the ISP's resolver refuses to resolve a listed name (``dns:...``);
* **IP**: a client tries every address of a name, IPv6 first when dual-stack (Happy
  Eyeballs, RFC 8305), so a name is down only when *every* address the client can use
  is blocked (``tcp:...``); when only some are, it still loads, a little later;
* **SNI**: the TLS ClientHello names the host, and a listed name is cut (``tls:...``).

Names are matched with :class:`~censorsim.Blocklist`'s semantics (exact, suffix,
substring, regex; addresses and prefixes whatever the mode), by an equivalent
vectorised implementation that the tests compare with ``Blocklist.matches`` name by
name. :meth:`SyntheticInternet.to_world` turns a small synthetic internet into a real
packet-level world, and a test fetches every name in it under random block lists and
checks that both give the same failure for every name.

Timelines replay the stories of lesson 05: :meth:`SyntheticInternet.season` (LaLiga's
weekend lists of addresses, growing all season), :meth:`SyntheticInternet.ticket_day`
(Piracy Shield's tickets every 30 minutes during a match day, with a whitelist) and
:meth:`SyntheticInternet.aftermath` (a list that outlives its targets while their leased
addresses are handed to new tenants).

Names end in ``.example`` (RFC 2606) and addresses come from private space
(10.0.0.0/8, RFC 1918) and the IPv6 documentation prefix (2001:db8::/32, RFC 3849),
which here play the part of public address space: no number in it is a real server's.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import re2

from censorsim.blocklist import Blocklist
from censorsim.censors import (
    DropOnIP,
    DropOnSNI,
    IgnoreOnQName,
    NXDomainOnQName,
    RefuseOnQName,
    ResetOnIP,
    ResetOnSNI,
)
from censorsim.client import CONNECTION_ATTEMPT_DELAY, Timeouts
from censorsim.names import normalize_name
from censorsim.worlds.world import _is_address

__all__ = [
    "synthetic_internet",
    "SyntheticInternet",
    "SyntheticParameters",
    "BlockOrder",
    "Outcome",
    "Timeline",
    "CATEGORIES",
    "HOSTING_KINDS",
    "CLIENTS",
    "STAGES",
    "Provider",
]

#: The categories of names, in the order of their codes in ``internet.category``.
CATEGORIES = (
    "news",
    "banking",
    "schools",
    "government",
    "shops",
    "streaming",
    "app backends",
    "platforms",
    "other",
    "infringing",
)
_DRAWN = CATEGORIES[:7]  # the categories whose shares are parameters ("other" takes the rest)
_PLATFORMS, _OTHER, _INFRINGING = 7, 8, 9

#: How a name is hosted, in the order of their codes in ``internet.hosting``.
HOSTING_KINDS = ("cdn", "shared", "dedicated", "platform")
_CDN, _SHARED, _DEDICATED, _PLATFORM = range(4)

#: The clients :meth:`SyntheticInternet.outcome` models: IPv4 only, dual-stack, IPv6 only.
CLIENTS = ("v4", "dual", "v6")
_FAMILIES = {"v4": (4,), "dual": (6, 4), "v6": (6,)}

#: Stage codes of :attr:`Outcome.stage`.
STAGES = {-1: "unreachable", 0: "ok", 1: "dns", 2: "tcp", 3: "tls"}
_FAILURES = {
    "dns": {"nxdomain": "dns:nxdomain", "refused": "dns:refused", "ignore": "dns:timeout"},
    "ip": {"drop": "tcp:timeout", "reset": "tcp:refused"},
    "sni": {"reset": "tls:reset", "drop": "tls:timeout"},
}
_RULES = {
    "dns": {"nxdomain": NXDomainOnQName, "refused": RefuseOnQName, "ignore": IgnoreOnQName},
    "ip": {"drop": DropOnIP, "reset": ResetOnIP},
    "sni": {"reset": ResetOnSNI, "drop": DropOnSNI},
}

# Host names: pronounceable labels made of consonant-vowel syllables, one label per row
# number through a bijection, so every name is unique without a set of a million strings
_ONSETS = "b c d f g h j k l m n p r s t v z br tr pl gr cl fr st ch ll".split()
_SYLLABLES = [o + v for o in _ONSETS for v in "aeiou"]
_SITE_SUBS = (
    "www api m cdn static img shop mail app login blog news tv live docs status assets "
    "video auth pay"
).split()
_PLATFORM_SUBS = (
    "www mail drive drive.usercontent docs maps video play accounts news photos calendar "
    "chat meet translate store cloud ads api static"
).split()
_BRANDS = "futbol gol partido directo stream tv live sport calcio match".split()
_TLD = "example"

_V4_START = int(ipaddress.IPv4Address("10.16.0.0"))  # after 10.10.34.34 (SpoofDNSOnQName)
_V4_END = int(ipaddress.IPv4Address("10.255.255.255"))
_V6_BASE_HI = 0x20010DB8 << 32  # 2001:db8::/32
_V6_PROVIDER = 0x1000  # provider j gets 2001:db8:(1000 + j)::/48
ISP_PREFIXES = ("198.18.0.0/16", "2001:db8:18::/48")  # the subscribers' ISP in to_world()


# -- parameters --------------------------------------------------------------------------------
def _param(default, doc: str, source: str, basis: str):
    """A parameter: its default, what it is, the real-world figure and its source, and
    whether it is ``measured`` (taken from the source), ``calibrated`` (chosen so that a
    figure of the source comes out) or an ``assumption``."""
    meta = {"doc": doc, "source": source, "basis": basis}
    if isinstance(default, list | dict):
        raise TypeError("parameters hold tuples, not lists or dicts")
    return field(default=default, metadata=meta)


_HOANG = (
    "Hoang, Akhavan Niaki, Borisov, Gill, Polychronakis, 'Assessing the Privacy Benefits of "
    "Domain Name Encryption', ASIA CCS 2020 (arxiv.org/abs/1911.00563)"
)
_OONI_2026 = (
    "OONI, LaLiga collateral report, 30 Jun 2026 (ooni.org/post/2026-laliga-collateral), "
    "as summarised by gattyworks.com and landing.guifi.net: in one-hour windows, blocking "
    "4-20 addresses cut off more than 400,000 of 9.2 M domains scanned"
)
_HAYAHORA = (
    "hayahora.futbol's blocked-address list, mirror github.com/TSCNEO/hayahora-blocked-ips "
    "@00084b8 (166 addresses, snapshot date unknown): Cloudflare addresses in pairs such as "
    "188.114.96.3 / 188.114.97.3 and 104.26.10.14 / 104.26.11.14"
)


@dataclass(frozen=True)
class SyntheticParameters:
    """Every distribution behind :func:`synthetic_internet`, with what it stands for.

    Each field's metadata holds ``doc`` (what it is), ``source`` (the real-world figure
    and where it comes from) and ``basis``: ``measured`` (taken from the source),
    ``calibrated`` (chosen so that a figure of the source comes out; see
    :meth:`SyntheticInternet.calibration`) or ``assumption``.
    :meth:`table` lists them all.
    """

    # popularity and names
    popularity_exponent: float = _param(
        1.0,
        "share of visits of the name of rank r is proportional to r ** -exponent",
        "Breslau, Cao, Fan, Phillips, Shenker, 'Web caching and Zipf-like distributions', "
        "INFOCOM 1999: web requests follow a Zipf-like law whose exponent varies from "
        "trace to trace; 1.0 (Zipf's law itself) is an assumption within that family",
        "assumption",
    )
    hostname_share: float = _param(
        0.2,
        "share of names that are host names under another name of the world (www., api.)",
        "no measurement found; the rest are registered names (label.example)",
        "assumption",
    )
    # hosting
    cdn_share: float = _param(
        0.25,
        "share of registered names behind a CDN (reverse proxy), whatever the CDN",
        "Cloudflare alone fronted 'almost one in five' of the top 10 M sites (heise.de, "
        "Aug 2022); the other CDNs add the rest (an assumption)",
        "calibrated",
    )
    dedicated_share: float = _param(
        0.20,
        "share of registered names on an address of their own",
        f"{_HOANG}: 20 % of domains map one-to-one to an IP address",
        "measured",
    )
    popular_top: float = _param(
        0.01,
        "the most popular fraction of registered names, whose hosting differs",
        f"{_HOANG}: popular domains tend to have dedicated addresses; the size of the "
        "popular group is an assumption",
        "assumption",
    )
    popular_dedicated: float = _param(
        0.5,
        "share of the popular names on dedicated addresses (instead of dedicated_share)",
        f"direction from {_HOANG}; the value is an assumption",
        "assumption",
    )
    hostname_same_hosting: float = _param(
        0.8,
        "probability that a host name lives where its parent name lives (same addresses)",
        "no measurement found",
        "assumption",
    )
    cdn_names: tuple = _param(
        ("nimbus", "cumulus", "stratus", "cirrus"),
        "the CDNs, largest first",
        "fictional names; the first one plays Cloudflare",
        "assumption",
    )
    cdn_market: tuple = _param(
        (0.80, 0.08, 0.07, 0.05),
        "how the CDN-fronted names divide among the CDNs",
        "W3Techs' figure that Cloudflare serves over 81 % of sites behind a known reverse "
        "proxy is quoted second-hand (LexisNexis, Nov 2025) and unverified; the split is "
        "an assumption in line with it",
        "assumption",
    )
    cdn_pairs: tuple = _param(
        (1000, 500, 400, 300),
        "number of anycast address pairs each CDN spreads its customers over",
        "no published count of names per Cloudflare address was found; with "
        "cdn_pair_exponent this reproduces the order of OONI's 2026 figure (see "
        "calibration())",
        "calibrated",
    )
    cdn_pair_exponent: float = _param(
        1.0,
        "customers spread over a CDN's pairs with weights proportional to rank ** -exponent",
        f"{_OONI_2026}; Cloudflare says all its addresses are shared, 'in some cases... "
        "thousands, tens of [thousands]' of domains each (flowdigest.com, 20 Jun 2025)",
        "calibrated",
    )
    cdn_v4_per_site: int = _param(
        2,
        "IPv4 addresses a CDN gives each customer (the two halves of a pair)",
        f"inferred from the {_HAYAHORA}",
        "assumption",
    )
    cdn_v6_per_site: int = _param(
        2,
        "IPv6 addresses a CDN gives each customer with IPv6 on",
        "assumed to mirror the IPv4 pair",
        "assumption",
    )
    cdn_ipv6_share: float = _param(
        0.95,
        "share of CDN customers with IPv6 addresses",
        "Common Crawl's IPv6 analysis (commoncrawl.github.io/ipv6-analysis) notes that "
        "Cloudflare enables IPv6 by default on all hosted domains; 5 % turned off is an "
        "assumption",
        "assumption",
    )
    cdn_ech: tuple = _param(
        (True, False, False, False),
        "which CDNs hide their customers' names with Encrypted Client Hello",
        "Cloudflare's documentation says ECH is on by default for Free zones (case facts "
        "7.3); the others are an assumption",
        "assumption",
    )
    shared_providers: int = _param(
        20,
        "number of shared-hosting companies (sizes proportional to rank ** -1)",
        "no measurement used",
        "assumption",
    )
    shared_size_median: float = _param(
        5.0,
        "median number of names on a shared-hosting address (sizes are log-normal)",
        f"{_HOANG}: 30 % of domains share their address with more than 100 others (CDNs "
        "included); with shared_size_sigma this comes out (see calibration())",
        "calibrated",
    )
    shared_size_sigma: float = _param(
        1.4,
        "spread (sigma of the logarithm) of the number of names per shared address",
        "calibrated with shared_size_median against Hoang et al.'s 30 %",
        "calibrated",
    )
    dedicated_providers: int = _param(
        30,
        "number of cloud and hosting companies renting dedicated addresses",
        "no measurement used",
        "assumption",
    )
    leasing_providers: int = _param(
        5,
        "how many of them lease addresses by the day to anyone (the infringing services' hosts)",
        "Sommese et al., '90th Minute', 2025: blocked leased IPv4 addresses were later "
        "reassigned to hotels, shops, even a nunnery (APNIC blog, 17 Oct 2025); the count "
        "is an assumption",
        "assumption",
    )
    dedicated_two_addresses: float = _param(
        0.15,
        "share of dedicated names with two IPv4 addresses instead of one",
        "no measurement used",
        "assumption",
    )
    other_ipv6_share: float = _param(
        0.18,
        "share of names outside CDNs and platforms with IPv6 addresses",
        "calibrated so that about 37 % of all names have IPv6, as Common Crawl found for "
        "100,000 hosts (36.9 % reachable over IPv6; commoncrawl.github.io/ipv6-analysis)",
        "calibrated",
    )
    platforms: int = _param(
        8,
        "big platforms (search, mail, storage, social) among the most popular names",
        "no measurement used",
        "assumption",
    )
    platform_hostnames: int = _param(
        60,
        "host names each platform serves (www, mail, drive, drive.usercontent...)",
        "no measurement used",
        "assumption",
    )
    platform_frontends: int = _param(
        6,
        "frontend address pairs (one IPv4, one IPv6) each platform serves its names from",
        "no measurement used; Google Drive's download host shared its addresses with "
        "other Google services when Piracy Shield blocked it (Oct 2024)",
        "assumption",
    )
    categories: tuple = _param(
        (
            ("news", 0.05),
            ("banking", 0.01),
            ("schools", 0.03),
            ("government", 0.02),
            ("shops", 0.12),
            ("streaming", 0.02),
            ("app backends", 0.08),
        ),
        "share of registered legal names in each category ('other' takes the rest)",
        "no census used; orders of magnitude only",
        "assumption",
    )
    category_hosting: tuple = _param(
        (
            ("news", 1.4, 0.8, 1.0),
            ("banking", 0.5, 0.2, 3.0),
            ("schools", 0.6, 1.6, 0.6),
            ("government", 0.6, 1.0, 2.0),
            ("shops", 1.4, 1.0, 0.6),
            ("streaming", 1.4, 0.4, 1.8),
            ("app backends", 1.4, 0.4, 1.8),
        ),
        "per category, how much likelier than average a name is on a CDN, shared hosting, "
        "dedicated addresses",
        "no measurement used",
        "assumption",
    )
    # infringing services
    infringing_services: int = _param(
        200,
        "number of infringing live-streaming services",
        "LaLiga said it blocks 'some 3,000 IPs' every weekend (EFE, 27 Mar 2025); a "
        "hayahora.futbol snapshot lists 166; with hopping, this many services fill lists "
        "of that order over a season",
        "assumption",
    )
    infringing_names: float = _param(
        3.0,
        "mean number of names (mirrors) a service has at a time",
        "no measurement used",
        "assumption",
    )
    infringing_reserve: int = _param(
        12,
        "names each service keeps for domain hopping",
        "Sommese et al. 2025 saw domain hopping as an evasion; the count is an assumption",
        "assumption",
    )
    infringing_on_cdn: float = _param(
        0.6,
        "share of infringing services behind a CDN (the rest on leased addresses)",
        "LaLiga claimed over 50 % of pirate IPs sit behind Cloudflare (as.com, 15 Feb "
        f"2025); 140 of the 166 addresses of the {_HAYAHORA.split(' (')[0]} are in "
        "Cloudflare ranges",
        "calibrated",
    )
    infringing_pair_exponent: float = _param(
        0.5,
        "infringing services behind a CDN spread over its pairs with weights rank ** "
        "-exponent: less crowded onto the busiest pairs than customers at large",
        "calibrated so that a weekend's list cuts about 5 % of names, the order of "
        "OONI's 554,507 of 9.2 M domains affected in Jan-Jun 2026 (summaries of "
        "ooni.org/post/2026-laliga-collateral; the exact percentage is unverified)",
        "calibrated",
    )
    infringing_top_rank: int = _param(
        100,
        "rank of the most popular infringing name; the others are spread log-uniformly "
        "down to the last rank",
        "Photocall had about 26 M visits a year (futurezone.at, 21 Nov 2025); the spread "
        "is an assumption",
        "assumption",
    )
    tenant_reserve: float = _param(
        0.02,
        "room for new legal tenants of released leased addresses, as a share of n_domains",
        "model capacity, not a real-world figure",
        "assumption",
    )
    lease_pool: float = _param(
        0.01,
        "free addresses the leasing providers hold for new leases, as a share of n_domains",
        "model capacity, not a real-world figure",
        "assumption",
    )

    def __post_init__(self) -> None:
        _check_params(self)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The parameter names."""
        return tuple(f.name for f in dataclasses.fields(cls))

    def table(self):
        """Every parameter with its value, what it is, its basis and its source (pandas)."""
        import pandas as pd

        rows = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            rows.append(
                {
                    "parameter": f.name,
                    "value": _show_value(value),
                    "what it is": f.metadata["doc"],
                    "basis": f.metadata["basis"],
                    "source": f.metadata["source"],
                }
            )
        return pd.DataFrame(rows).set_index("parameter")

    def __repr__(self) -> str:
        changed = [
            f"{f.name}={getattr(self, f.name)!r}"
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != f.default
        ]
        return f"SyntheticParameters({', '.join(changed)})"


def _show_value(value) -> str:
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return "; ".join(" ".join(str(x) for x in row) for row in value)
    if isinstance(value, tuple):
        return ", ".join(str(x) for x in value)
    return str(value)


def _share(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{name}={value!r}: expected a share from 0 to 1")


def _count(name: str, value, low: int = 0) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name}={value!r}: expected a whole number >= {low}")


def _positive(name: str, value) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{name}={value!r}: expected a positive number")


def _check_params(p: SyntheticParameters) -> None:
    for name in (
        "hostname_share",
        "cdn_share",
        "dedicated_share",
        "popular_top",
        "popular_dedicated",
        "hostname_same_hosting",
        "cdn_ipv6_share",
        "dedicated_two_addresses",
        "other_ipv6_share",
        "infringing_on_cdn",
        "tenant_reserve",
        "lease_pool",
    ):
        _share(name, getattr(p, name))
    if p.cdn_share + p.dedicated_share > 1:
        raise ValueError(
            f"cdn_share={p.cdn_share} + dedicated_share={p.dedicated_share} exceed 1: "
            "shared hosting takes what they leave"
        )
    for name in ("popularity_exponent", "cdn_pair_exponent", "infringing_pair_exponent"):
        value = getattr(p, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 10:
            raise ValueError(f"{name}={value!r}: expected a number from 0 to 10")
    for name in ("shared_size_median", "shared_size_sigma", "infringing_names"):
        _positive(name, getattr(p, name))
    if p.infringing_names < 1:
        raise ValueError(f"infringing_names={p.infringing_names!r}: expected at least 1")
    for name, low in (
        ("cdn_v4_per_site", 1),
        ("cdn_v6_per_site", 0),
        ("shared_providers", 1),
        ("dedicated_providers", 1),
        ("leasing_providers", 1),
        ("platforms", 0),
        ("platform_hostnames", 0),
        ("platform_frontends", 1),
        ("infringing_services", 0),
        ("infringing_reserve", 0),
        ("infringing_top_rank", 1),
    ):
        _count(name, getattr(p, name), low)
    if p.cdn_v4_per_site > 4 or p.cdn_v6_per_site > 4:
        raise ValueError("cdn_v4_per_site and cdn_v6_per_site: expected at most 4 addresses")
    if p.leasing_providers > p.dedicated_providers:
        raise ValueError(
            f"leasing_providers={p.leasing_providers} exceeds "
            f"dedicated_providers={p.dedicated_providers}: leasing providers are among them"
        )
    cdns = len(p.cdn_names)
    if cdns == 0:
        raise ValueError("cdn_names: expected at least one CDN")
    for name in ("cdn_market", "cdn_pairs", "cdn_ech"):
        if not isinstance(getattr(p, name), tuple) or len(getattr(p, name)) != cdns:
            raise ValueError(
                f"{name}={getattr(p, name)!r}: expected a tuple with one entry per CDN "
                f"({cdns}, as cdn_names)"
            )
    for name in p.cdn_names:
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9-]{0,30}", name):
            raise ValueError(f"CDN name {name!r}: expected a short lower-case label")
    if len(set(p.cdn_names)) != cdns:
        raise ValueError(f"cdn_names={p.cdn_names!r}: names repeat")
    if any(not isinstance(x, int | float) or isinstance(x, bool) or x < 0 for x in p.cdn_market):
        raise ValueError(f"cdn_market={p.cdn_market!r}: expected shares >= 0")
    if not math.isclose(sum(p.cdn_market), 1.0, abs_tol=1e-6):
        raise ValueError(f"cdn_market={p.cdn_market!r} sums to {sum(p.cdn_market)}, not 1")
    for pairs in p.cdn_pairs:
        _count("cdn_pairs entry", pairs, 1)
    if max(p.cdn_pairs) > 1 << 20:
        raise ValueError(f"cdn_pairs={p.cdn_pairs!r}: at most 1,048,576 pairs per CDN")
    if any(not isinstance(x, bool) for x in p.cdn_ech):
        raise ValueError(f"cdn_ech={p.cdn_ech!r}: expected True or False per CDN")
    seen = set()
    for row in p.categories:
        if not (isinstance(row, tuple) and len(row) == 2 and row[0] in _DRAWN):
            raise ValueError(
                f"categories entry {row!r}: expected (category, share) with a category "
                f"among {_DRAWN}"
            )
        _share(f"share of {row[0]!r}", row[1])
        seen.add(row[0])
    if len(seen) != len(p.categories):
        raise ValueError("categories: a category appears twice")
    if sum(share for _, share in p.categories) > 1 + 1e-9:
        raise ValueError("categories: the shares add up to more than 1 ('other' takes the rest)")
    for row in p.category_hosting:
        if not (isinstance(row, tuple) and len(row) == 4 and row[0] in _DRAWN):
            raise ValueError(
                f"category_hosting entry {row!r}: expected (category, cdn, shared, dedicated)"
            )
        for x in row[1:]:
            if isinstance(x, bool) or not isinstance(x, int | float) or not 0 <= x < 1000:
                raise ValueError(f"category_hosting entry {row!r}: multipliers from 0 to 1000")


# -- block orders ------------------------------------------------------------------------------
def _as_blocklist(value, what: str, holds: str) -> Blocklist | None:
    if value is None:
        return None
    if isinstance(value, str | bytes):
        raise ValueError(
            f"{what}={value!r}: expected a list of entries or a Blocklist, not one str"
        )
    bl = value if isinstance(value, Blocklist) else Blocklist(list(value))
    if holds == "names" and bl.has_addresses():
        raise ValueError(
            f"{what} holds addresses or prefixes ({bl!r}): names are blocked there, "
            "addresses go in ip="
        )
    if holds == "addresses" and bl.has_names():
        raise ValueError(
            f"{what} holds names ({bl!r}): an address list is matched against IP headers, "
            "names go in dns= or sni="
        )
    return bl


@dataclass(frozen=True)
class BlockOrder:
    """What an ISP is told to block, and how (the three mechanisms of lessons 02-04).

    ``dns``: names its resolver refuses to resolve; ``ip``: addresses and prefixes whose
    packets it drops or resets; ``sni``: names it cuts in the TLS ClientHello. Each is a
    :class:`~censorsim.Blocklist` (its match mode applies) or a list of entries (matched
    exactly). ``dns_action`` is ``"nxdomain"``, ``"refused"`` or ``"ignore"``;
    ``ip_action`` ``"drop"`` (a blackhole) or ``"reset"``; ``sni_action`` ``"reset"`` or
    ``"drop"``. :meth:`rules` gives the packet simulator's equivalent rules.

    >>> order = BlockOrder(dns=["futbol-lumato.example"], ip=["10.16.0.1"])
    >>> [type(rule).__name__ for rule in order.rules()]
    ['NXDomainOnQName', 'DropOnIP']
    """

    dns: Blocklist | None = None
    ip: Blocklist | None = None
    sni: Blocklist | None = None
    dns_action: str = "nxdomain"
    ip_action: str = "drop"
    sni_action: str = "reset"

    def __post_init__(self) -> None:
        object.__setattr__(self, "dns", _as_blocklist(self.dns, "dns", "names"))
        object.__setattr__(self, "ip", _as_blocklist(self.ip, "ip", "addresses"))
        object.__setattr__(self, "sni", _as_blocklist(self.sni, "sni", "names"))
        for kind in ("dns", "ip", "sni"):
            action = getattr(self, f"{kind}_action")
            if action not in _FAILURES[kind]:
                raise ValueError(
                    f"{kind}_action={action!r}: expected one of {tuple(_FAILURES[kind])}"
                )

    def rules(self) -> list:
        """The censor rules that do the same in the packet simulator, in engine order."""
        out = []
        for kind in ("dns", "ip", "sni"):
            bl = getattr(self, kind)
            if bl is not None and len(bl):
                out.append(_RULES[kind][getattr(self, f"{kind}_action")](bl))
        return out

    def __repr__(self) -> str:
        parts = [f"{k}={getattr(self, k)!r}" for k in ("dns", "ip", "sni") if getattr(self, k)]
        for kind, default in (("dns", "nxdomain"), ("ip", "drop"), ("sni", "reset")):
            action = getattr(self, f"{kind}_action")
            if action != default:
                parts.append(f"{kind}_action={action!r}")
        return f"BlockOrder({', '.join(parts)})"


# -- the world ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Provider:
    """A network that hosts names: a CDN, a platform, a shared or dedicated host."""

    index: int
    name: str
    kind: str  # cdn, platform, shared, dedicated, leasing
    v4_prefixes: tuple[str, ...]
    v6_prefix: str
    asn: int


def synthetic_internet(n_domains: int = 1_000_000, seed: int = 0, **parameters):
    """A synthetic internet of ``n_domains`` host names (lesson 05).

    ``parameters`` change any field of :class:`SyntheticParameters` (for example
    ``cdn_share=0.4``); ``SyntheticParameters.table()`` lists them with their sources.
    The same ``n_domains``, ``seed`` and parameters give the same world. Each part of
    the world draws from its own random stream, so changing one parameter leaves the
    draws of unrelated parts as they were.

    >>> internet = synthetic_internet(10_000, seed=1)
    >>> internet
    <SyntheticInternet 10,000 names, seed 1: 4 CDNs, 8 platforms, 200 infringing services>
    >>> internet.outcome(internet.infringing_order(kinds=("ip",))).summary()["names failing"] > 0
    True
    """
    if isinstance(n_domains, bool) or not isinstance(n_domains, int) or n_domains < 100:
        raise ValueError(f"n_domains={n_domains!r}: expected a whole number of at least 100")
    if n_domains > 20_000_000:
        raise ValueError(f"n_domains={n_domains:,}: at most 20,000,000 names fit in 10.0.0.0/8")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed={seed!r}: expected a whole number >= 0")
    unknown = sorted(set(parameters) - set(SyntheticParameters.names()))
    if unknown:
        raise TypeError(
            f"unknown parameter(s) {', '.join(unknown)}; the parameters are "
            f"{', '.join(SyntheticParameters.names())}"
        )
    params = SyntheticParameters(**parameters)
    return SyntheticInternet(n_domains, seed, params)


class SyntheticInternet:
    """A web of host names as numpy arrays: popularity, hosting, addresses, categories.

    Build one with :func:`synthetic_internet`. One row per name; the first ``n`` rows
    are the names that exist at the start, in order of popularity (row 0 is rank 1);
    the rows after them are names that do not exist yet: the names infringing services
    will hop to, and new tenants of released addresses (``active`` says which rows
    exist now). Arrays (read them, do not change them):

    * ``names`` (bytes), ``weight`` (share of visits, summing to 1 over the first ``n``
      rows), ``category`` (codes into :data:`CATEGORIES`), ``hosting`` (codes into
      :data:`HOSTING_KINDS`), ``provider`` (index into ``providers``), ``parent`` (the
      row of the name a host name is under, or -1), ``service`` (the infringing service,
      or -1), ``ech`` (behind a CDN that hides the name with ECH);
    * ``v4``, ``v6``: each row's addresses, as rows of ``addr4`` (IPv4 as integers) and
      of ``addr6_hi``/``addr6_lo`` (IPv6 as two 64-bit halves), -1 for none.
    """

    def __init__(self, n: int, seed: int, params: SyntheticParameters):
        self.n = n
        self.seed = seed
        self.params = params
        self._sorted = None  # lazy index of names (argsort), for exact and suffix matching
        self._text = None  # lazy list of names as str, for regex matching
        _Generator(self).run()

    def __repr__(self) -> str:
        p = self.params
        return (
            f"<SyntheticInternet {self.n:,} names, seed {self.seed}: {len(p.cdn_names)} CDNs, "
            f"{p.platforms} platforms, {p.infringing_services} infringing services>"
        )

    # -- copying -------------------------------------------------------------------------------
    _MUTABLE = ("active", "v4", "v6", "provider", "_svc_v4", "_svc_next")

    def copy(self) -> SyntheticInternet:
        """A copy whose addresses and names can change (timelines work on copies)."""
        other = object.__new__(SyntheticInternet)
        other.__dict__.update(self.__dict__)
        for name in self._MUTABLE:
            setattr(other, name, getattr(self, name).copy())
        other._spare = {k: list(v) for k, v in self._spare.items()}
        return other

    # -- names ---------------------------------------------------------------------------------
    @property
    def size(self) -> int:
        """All rows, the names that do not exist yet included."""
        return len(self.names)

    def name(self, row: int) -> str:
        """The host name of a row."""
        return self.names[self._check_row(row)].decode("ascii")

    def _check_row(self, row) -> int:
        if isinstance(row, bool) or not isinstance(row, int | np.integer):
            raise TypeError(f"row={row!r}: expected a row number (an int)")
        if not 0 <= row < self.size:
            raise IndexError(f"row={row}: expected a row from 0 to {self.size - 1}")
        return int(row)

    def _order(self):
        if self._sorted is None:
            order = np.argsort(self.names, kind="stable")
            self._sorted = (order, self.names[order])
        return self._sorted

    def rows(self, names: Iterable[str]) -> np.ndarray:
        """The rows of these names (-1 for a name that is not in the world)."""
        names = [normalize_name(n) for n in names]
        order, sorted_names = self._order()
        width = self.names.dtype.itemsize
        keys = np.array([n.encode() if len(n) <= width else b"" for n in names], dtype="S")
        keys = keys.astype(self.names.dtype)
        pos = np.searchsorted(sorted_names, keys)
        pos = np.minimum(pos, len(sorted_names) - 1)
        found = (sorted_names[pos] == keys) & np.array(
            [0 < len(n) <= width for n in names], dtype=bool
        )
        return np.where(found, order[pos], -1).astype(np.int64)

    def row(self, name: str) -> int:
        """The row of a name; KeyError when the world has no such name."""
        found = int(self.rows([name])[0])
        if found < 0:
            raise KeyError(f"no name {name!r} in this synthetic internet")
        return found

    def addresses(self, name: str | int) -> list[str]:
        """The addresses of a name (IPv4 first), as text."""
        row = self._check_row(name) if isinstance(name, int | np.integer) else self.row(name)
        out = [str(ipaddress.IPv4Address(int(self.addr4[a]))) for a in self.v4[row] if a >= 0]
        out += [self._v6_text(a) for a in self.v6[row] if a >= 0]
        return out

    def ipv4(self, rows: Iterable[int]) -> list[str]:
        """The IPv4 addresses of these rows of ``addr4``, as text."""
        return [str(ipaddress.IPv4Address(int(self.addr4[a]))) for a in rows]

    def _v6_text(self, a: int) -> str:
        value = (int(self.addr6_hi[a]) << 64) | int(self.addr6_lo[a])
        return str(ipaddress.IPv6Address(value))

    def address_rows(self, addresses: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """The rows of ``addr4`` and of ``addr6_hi``/``addr6_lo`` holding these addresses."""
        four, six = [], []
        for text in addresses:
            ip = ipaddress.ip_address(text)
            (four if ip.version == 4 else six).append(int(ip))
        r4 = np.flatnonzero(np.isin(self.addr4, np.array(four, dtype=np.uint32)))
        wanted6 = {(v >> 64, v & ((1 << 64) - 1)) for v in six}
        hi_hit = np.flatnonzero(
            np.isin(self.addr6_hi, np.array([h for h, _ in wanted6], np.uint64))
        )
        r6 = [int(r) for r in hi_hit if (int(self.addr6_hi[r]), int(self.addr6_lo[r])) in wanted6]
        return r4, np.array(r6, dtype=np.int64)

    def names_on(self, addresses: Iterable[str]) -> np.ndarray:
        """The rows of the existing names that have at least one of these addresses."""
        r4, r6 = self.address_rows(addresses)
        hit = np.zeros(self.size, dtype=bool)
        if len(r4):
            hit |= np.isin(self.v4, r4).any(axis=1)
        if len(r6):
            hit |= np.isin(self.v6, r6).any(axis=1)
        return np.flatnonzero(hit & self.active)

    # -- matching (Blocklist semantics, vectorised) ------------------------------------------
    def match_names(self, blocklist: Blocklist | None) -> np.ndarray:
        """Which rows' names ``blocklist`` matches, as ``Blocklist.matches`` would say.

        Exact and suffix lists look their names up in a sorted index of the world's
        names; suffix hits then spread down the tree of names (a name matches when it or
        a name above it at a label boundary is listed); substring and regex lists search
        every name. Address entries never match a name.
        """
        hit = np.zeros(self.size, dtype=bool)
        _check_blocklist(blocklist)
        if blocklist is None or not blocklist.has_names():
            return hit
        mode = blocklist.match_mode
        entries = sorted(blocklist.names)
        if mode in ("exact", "suffix"):
            nodes = np.zeros(self._node_count, dtype=bool)
            rows = self.rows(entries) if entries else np.zeros(0, np.int64)
            nodes[rows[rows >= 0]] = True
            if mode == "exact":
                return nodes[: self.size].copy()
            for entry, row in zip(entries, rows, strict=True):
                if row < 0:
                    extra = self._extra_nodes.get(entry)
                    if extra is not None:
                        nodes[extra] = True
            for _ in range(self._node_depth):
                nodes |= nodes[self._node_parent]
            return nodes[: self.size].copy()
        if mode == "substring":
            for fragment in entries:
                hit |= np.strings.find(self.names, fragment.encode("ascii")) >= 0
            return hit
        texts = self._texts()
        for pattern in entries:
            search = _regex(pattern).search
            hit |= np.fromiter((search(t) is not None for t in texts), dtype=bool, count=len(texts))
        return hit

    def _texts(self) -> list[str]:
        if self._text is None:
            self._text = [b.decode("ascii") for b in self.names.tolist()]
        return self._text

    def match_addresses(self, blocklist: Blocklist | None) -> tuple[np.ndarray, np.ndarray]:
        """Which IPv4 rows (of ``addr4``) and IPv6 rows (of ``addr6_*``) ``blocklist``
        matches: equal addresses, and prefixes that contain them."""
        hit4 = np.zeros(len(self.addr4), dtype=bool)
        hit6 = np.zeros(len(self.addr6_hi), dtype=bool)
        _check_blocklist(blocklist)
        if blocklist is None or not blocklist.has_addresses():
            return hit4, hit6
        by_length: dict[tuple[int, int], list[int]] = {}
        for net in blocklist.networks:
            by_length.setdefault((net.version, net.prefixlen), []).append(int(net.network_address))
        addr4 = self.addr4.astype(np.uint64)
        for (version, length), keys in by_length.items():
            if version == 4:
                if length == 0:
                    hit4[:] = True
                    continue
                shift = np.uint64(32 - length)
                wanted = np.array(keys, dtype=np.uint64) >> shift
                hit4 |= np.isin(addr4 >> shift, wanted)
            elif length == 0:
                hit6[:] = True
            elif length <= 64:
                shift = np.uint64(64 - length)
                wanted = np.array([k >> 64 for k in keys], dtype=np.uint64) >> shift
                hit6 |= np.isin(self.addr6_hi >> shift, wanted)
            else:
                shift = 128 - length
                wanted = {(k >> 64, (k & ((1 << 64) - 1)) >> shift) for k in keys}
                his = np.array(sorted({h for h, _ in wanted}), dtype=np.uint64)
                for r in np.flatnonzero(np.isin(self.addr6_hi, his)):
                    if (int(self.addr6_hi[r]), int(self.addr6_lo[r]) >> shift) in wanted:
                        hit6[r] = True
        return hit4, hit6

    # -- outcomes ------------------------------------------------------------------------------
    def outcome(self, order: BlockOrder, client: str = "v4", *, ech: bool = False) -> Outcome:
        """What a subscriber of the censoring ISP gets for every name under ``order``.

        ``client`` is ``"v4"`` (IPv4 only), ``"dual"`` (both, IPv6 tried first) or
        ``"v6"`` (IPv6 only); the subscriber uses the ISP's resolver and https. With
        ``ech`` the client uses Encrypted Client Hello where the CDN offers it, so an SNI
        rule sees the CDN's shared outer name instead of the site's.
        """
        if not isinstance(order, BlockOrder):
            raise TypeError(f"order={order!r}: expected a BlockOrder(dns=..., ip=..., sni=...)")
        if client not in CLIENTS:
            raise ValueError(f"client={client!r}: expected one of {CLIENTS}")
        return self._evaluate(order, self._hits(order, ech), client, ech)

    def _hits(self, order: BlockOrder, ech: bool = False) -> tuple:
        """What the order's lists match: names (DNS), IPv4 and IPv6 rows, names (SNI)."""
        dns_hit = self.match_names(order.dns)
        hit4, hit6 = self.match_addresses(order.ip)
        sni_hit = self.match_names(order.sni)
        if ech and order.sni is not None:  # the SNI shows the CDN's outer name
            outer = np.array(
                [order.sni.matches(self.ech_name(c)) for c in range(len(self.params.cdn_names))]
            )
            rows = np.flatnonzero(self.ech)
            sni_hit[rows] = outer[self.provider[rows]]
        return dns_hit, hit4, hit6, sni_hit

    def _evaluate(self, order: BlockOrder, hits: tuple, client: str, ech: bool) -> Outcome:
        dns_hit, hit4, hit6, sni_hit = hits
        families = _FAMILIES[client]
        # the addresses the client can use, in the order it tries them (RFC 8305 section 4:
        # families interleaved, IPv6 first); one column at a time, each a 1-D array
        size = self.size
        has = np.zeros(size, dtype=bool)  # some address the client can use
        reach = np.zeros(size, dtype=bool)  # some address not blocked
        tried = np.zeros(size, dtype=np.int8)  # addresses tried so far
        first_open = np.full(size, -1, dtype=np.int8)  # attempts before one connects
        slots = {4: self.v4, 6: self.v6}
        hits = {4: hit4, 6: hit6}
        for k in range(max(slots[v].shape[1] for v in families)):
            for version in families:
                if k >= slots[version].shape[1]:
                    continue
                col = slots[version][:, k]
                usable = col >= 0
                blocked = hits[version][np.maximum(col, 0)] & usable
                opened = usable & ~blocked
                first_open[opened & (first_open < 0)] = tried[opened & (first_open < 0)]
                has |= usable
                reach |= opened
                tried += usable
        stage = np.zeros(size, dtype=np.int8)
        stage[sni_hit] = 3
        stage[~reach] = 2
        stage[dns_hit] = 1
        stage[~has | ~self.active] = -1
        # slowed: it loads, but only after one or more attempts at blocked addresses
        degraded = (stage == 0) & (first_open > 0)
        # seconds lost: RFC 8305 starts an attempt every 250 ms; a dropped SYN waits out
        # the connect timeout, a reset fails at once
        t = Timeouts()
        delay = CONNECTION_ATTEMPT_DELAY if order.ip_action == "drop" else 0.0
        first_open = first_open.clip(0)
        wait = np.zeros(size)
        wait[stage == 0] = first_open[stage == 0] * delay
        if order.ip_action == "drop":
            down = stage == 2
            wait[down] = (tried[down] - 1) * delay + t.connect
        if order.dns_action == "ignore":
            wait[stage == 1] = t.dns * t.dns_attempts
        tls = stage == 3
        wait[tls] = first_open[tls] * delay + (t.tls if order.sni_action == "drop" else 0.0)
        return Outcome(self, order, client, stage, degraded, wait, self.active.copy(), ech)

    def ech_name(self, cdn: int) -> str:
        """The outer name every ECH customer of CDN ``cdn`` shows in its ClientHello."""
        return f"{self.params.cdn_names[cdn]}-ech.{_TLD}"

    def infringing_order(self, *, kinds: Sequence[str] = ("dns", "ip", "sni"), **actions):
        """A block order aimed at every infringing service as it stands now: its existing
        names (for DNS and SNI, exact) and its IPv4 addresses (for IP)."""
        rows = np.flatnonzero((self.service >= 0) & self.active)
        names = [self.name(r) for r in rows]
        addrs = sorted(set(self.v4[rows].ravel().tolist()) - {-1})
        ip = [str(ipaddress.IPv4Address(int(self.addr4[a]))) for a in addrs]
        parts = {"dns": names, "ip": ip, "sni": names}
        return BlockOrder(**{k: parts[k] for k in kinds}, **actions)

    # -- tables for students ---------------------------------------------------------------------
    def table(self, rows, limit: int | None = 20):
        """A pandas table of these rows (a list of rows, or a boolean mask), most popular
        first: name, rank, share of visits, category, hosting, provider, addresses."""
        import pandas as pd

        rows = np.asarray(rows)
        if rows.dtype == bool:
            if rows.shape != (self.size,):
                raise ValueError(f"a mask of {rows.shape} rows: expected one per row ({self.size})")
            rows = np.flatnonzero(rows)
        elif rows.size and (
            rows.dtype.kind not in "iu" or rows.min() < 0 or rows.max() >= self.size
        ):
            raise ValueError(f"rows: expected row numbers from 0 to {self.size - 1}")
        rows = np.sort(rows)
        if limit is not None:
            rows = rows[:limit]
        return pd.DataFrame(
            {
                "name": [self.name(r) for r in rows],
                "rank": [int(r) + 1 if r < self.n else None for r in rows],
                "share of visits": self.weight[rows],
                "category": [CATEGORIES[c] for c in self.category[rows]],
                "hosting": [HOSTING_KINDS[h] for h in self.hosting[rows]],
                "provider": [self.providers[p].name if p >= 0 else "" for p in self.provider[rows]],
                "addresses": [" ".join(self.addresses(int(r))) for r in rows],
            }
        )

    def neighbours(self, name: str, limit: int | None = 20):
        """The existing names that share at least one address with ``name`` (a table)."""
        row = self.row(name)
        found = self.names_on(self.addresses(row))
        return self.table(found[found != row], limit)

    def summary(self):
        """Names, addresses and names per address, by hosting kind (a pandas table)."""
        import pandas as pd

        live = self.active
        rows = []
        for code, kind in enumerate(HOSTING_KINDS):
            mask = live & (self.hosting == code)
            used4 = np.unique(self.v4[mask][self.v4[mask] >= 0])
            used6 = np.unique(self.v6[mask][self.v6[mask] >= 0])
            counts = np.bincount(self.v4[mask][:, 0][self.v4[mask][:, 0] >= 0])
            rows.append(
                {
                    "hosting": kind,
                    "names": int(mask.sum()),
                    "share of names": mask.sum() / live.sum(),
                    "share of visits": self.weight[mask].sum() / self.weight[live].sum(),
                    "IPv4 addresses": len(used4),
                    "IPv6 addresses": len(used6),
                    "most names on one address": int(counts.max()) if len(counts) else 0,
                }
            )
        return pd.DataFrame(rows).set_index("hosting")

    def sharing(self) -> np.ndarray:
        """For each existing registered name (host names such as ``www.`` left out, as in
        lists of domains), how many other registered names share its first IPv4 address:
        the measure of Hoang et al., ASIA CCS 2020."""
        first = self.v4[:, 0]
        live = self.active & (first >= 0) & (self.parent < 0)
        counts = np.bincount(first[live], minlength=len(self.addr4))
        return counts[first[live]] - 1

    def calibration(self):
        """This world's figures next to the measurements its parameters stand for."""
        import pandas as pd

        live = self.active
        share = self.sharing()
        registered = live & (self.parent < 0) & (self.service < 0)
        main = (self.hosting == _CDN) & (self.provider == 0) & live
        pair_load = np.bincount(self.v4[main, 0] - self._cdn_first4[0], minlength=1)
        top = np.argsort(pair_load)[::-1]
        outcomes = {}
        per = self.params.cdn_v4_per_site
        for k in (2, 10):  # with pairs: the 4 and 20 busiest addresses
            addresses = []
            for pair in top[:k]:
                addresses += [self._cdn_address_text(0, int(pair), h) for h in range(per)]
            cut = self.outcome(BlockOrder(ip=addresses)).collateral.sum()
            outcomes[k] = cut / live.sum()
        rows = [
            (
                "names on an address of their own (one-to-one)",
                (share == 0).mean(),
                "20 % (Hoang et al., ASIA CCS 2020)",
            ),
            (
                "names sharing their address with more than 100 others",
                (share > 100).mean(),
                "30 % (Hoang et al., ASIA CCS 2020)",
            ),
            (
                "registered names behind the largest CDN",
                (main & registered).sum() / registered.sum(),
                "'almost one in five' of the top 10 M sites for Cloudflare (heise, Aug 2022)",
            ),
            (
                "names with IPv6 addresses",
                (live & (self.v6[:, 0] >= 0)).sum() / live.sum(),
                "36.9 % of 100,000 hosts reachable over IPv6 (Common Crawl)",
            ),
            (
                f"names cut by blocking the {2 * per} busiest addresses of the largest CDN",
                outcomes[2],
                "more than 400,000 of 9.2 M domains (4.3 %) cut by 4-20 addresses (OONI 2026)",
            ),
            (
                f"names cut by blocking its {10 * per} busiest addresses",
                outcomes[10],
                "the same OONI figure, upper end",
            ),
        ]
        return pd.DataFrame(rows, columns=["figure", "this world", "measured"]).set_index("figure")

    def _cdn_address_text(self, cdn: int, pair: int, half: int) -> str:
        return str(
            ipaddress.IPv4Address(
                int(self.addr4[self._cdn_first4[cdn] + half * self._cdn_half[cdn] + pair])
            )
        )

    # -- timelines -----------------------------------------------------------------------------
    def season(
        self,
        weekends: int = 38,
        *,
        detection: float = 0.9,
        hop: float = 0.1,
        relet_after: int = 2,
        action: str = "drop",
        seed: int = 0,
        progress: bool | None = None,
    ) -> Timeline:
        """LaLiga's season: every weekend the rightsholder captures the IPv4 addresses of
        the streams it sees and adds them to the list the ISPs block during matches.

        Each weekend: each infringing service is seen with probability ``detection`` and
        its addresses are added (the list only grows); the collateral of the whole list is
        measured for IPv4-only and dual-stack subscribers; each listed service then moves
        with probability ``hop``, to another CDN pair or another lease. A lease it leaves
        goes to a new legal tenant ``relet_after`` weekends later (the list still blocks
        it). ``action`` is ``"drop"`` (a blackhole) or ``"reset"``. Returns a
        :class:`Timeline` with one row per weekend.
        """
        _check_rate("detection", detection)
        _check_rate("hop", hop)
        _count("weekends", weekends, 1)
        if action not in _FAILURES["ip"]:
            raise ValueError(f"action={action!r}: expected one of {tuple(_FAILURES['ip'])}")
        _count("relet_after", relet_after, 0)
        world = self.copy()
        rng = np.random.default_rng([self.seed, seed, 1])
        listed: set[int] = set()
        relets: list[tuple[int, int]] = []
        rows = []
        start = np.datetime64("2025-08-16")
        for week in _progress(range(weekends), weekends, "weekends", progress, self.size):
            world._relet_due(relets, week)
            seen = rng.random(world._n_services) < detection
            for s in np.flatnonzero(seen):
                listed.update(int(a) for a in world._svc_v4[s] if a >= 0)
            order = BlockOrder(ip=world._v4_texts(listed), ip_action=action)
            row = {"weekend": week + 1, "date": str(start + np.timedelta64(7 * week, "D"))}
            row["addresses listed"] = len(listed)
            row.update(world._measure(order)[0])
            rows.append(row)
            listed_svc = np.array(
                [
                    any(int(a) in listed for a in world._svc_v4[s] if a >= 0)
                    for s in range(world._n_services)
                ],
                dtype=bool,
            )
            movers = np.flatnonzero(listed_svc & (rng.random(world._n_services) < hop))
            for s in movers:
                freed = world._hop(int(s), rng)
                relets += [(week + 1 + relet_after, a) for a in freed]
        return Timeline(
            _frame(rows, "weekend"), world, BlockOrder(ip=world._v4_texts(listed), ip_action=action)
        )

    def ticket_day(
        self,
        *,
        start: str = "12:00",
        end: str = "23:00",
        every: int = 30,
        detection: float = 0.5,
        hop: float = 0.4,
        name_hop: float = 0.5,
        relet_after: int = 4,
        whitelist: Blocklist | Iterable[str] | None = None,
        extra: dict[str, Iterable[str]] | None = None,
        seed: int = 0,
        progress: bool | None = None,
    ) -> Timeline:
        """A Piracy Shield match day: a ticket every ``every`` minutes, blocked for good.

        From ``start`` to ``end``, each ticket lists the names and IPv4 addresses of the
        streams seen (each service with probability ``detection``), minus whatever the
        ``whitelist`` protects (a :class:`~censorsim.Blocklist`: its names, addresses and
        prefixes, with its match mode), plus the entries of ``extra`` at their time
        (``{"18:30": ["drive.usercontent.x.example", "10.17.0.1"]}``: a mistaken ticket).
        ISPs apply a ticket within 30 minutes (here: from the next step on), the names in
        DNS and the addresses by dropping packets, IPv4 only; nothing is ever lifted.
        Blocked services move: to another address with probability ``hop`` and to a new
        name with probability ``name_hop`` per step. A lease a service gives up is leased
        again, to a new legal tenant, ``relet_after`` steps later (fast address reuse): the
        list, which forgets nothing, cuts the tenant. Returns a :class:`Timeline` with one
        row per ticket.
        """
        for name, value in (("detection", detection), ("hop", hop), ("name_hop", name_hop)):
            _check_rate(name, value)
        _count("relet_after", relet_after, 0)
        t0, t1 = _minutes(start, "start"), _minutes(end, "end")
        if t1 <= t0:
            raise ValueError(f"end={end!r} is not after start={start!r}")
        _count("every", every, 1)
        guard = _as_blocklist(whitelist, "whitelist", "any") if whitelist is not None else None
        extra = {_minutes(k, "extra time"): list(v) for k, v in (extra or {}).items()}
        world = self.copy()
        rng = np.random.default_rng([self.seed, seed, 2])
        names: set[str] = set()
        addrs: set[str] = set()
        pending: tuple[set[str], set[str]] = (set(), set())
        relets: list[tuple[int, int]] = []
        rows = []
        steps = list(range(t0, t1 + 1, every))
        for step, minute in enumerate(_progress(steps, len(steps), "tickets", progress, self.size)):
            world._relet_due(relets, step)
            names |= pending[0]  # the ISPs have applied the last ticket
            addrs |= pending[1]
            order = BlockOrder(dns=sorted(names), ip=sorted(addrs))
            row = {"time": f"{minute // 60:02d}:{minute % 60:02d}"}
            row["names listed"] = len(names)
            row["addresses listed"] = len(addrs)
            figures, now = world._measure(order)
            row.update(figures)
            rows.append(row)
            # blocked services move before the next ticket
            blocked_svc = world._services_blocked(now)
            for s in np.flatnonzero(blocked_svc & (rng.random(world._n_services) < hop)):
                freed = world._hop(int(s), rng)
                relets += [(step + 1 + relet_after, a) for a in freed]
            for s in np.flatnonzero(blocked_svc & (rng.random(world._n_services) < name_hop)):
                world._new_name(int(s))
            # the next ticket: what the reporters see now
            seen = np.flatnonzero(rng.random(world._n_services) < detection)
            new_names = {world.name(r) for s in seen for r in world._service_rows(int(s))}
            new_addrs = set(
                world._v4_texts({int(a) for s in seen for a in world._svc_v4[s] if a >= 0})
            )
            for entry in extra.get(minute, ()):
                (new_addrs if _is_address(entry) else new_names).add(
                    entry if _is_address(entry) else normalize_name(entry)
                )
            if guard is not None:
                new_names = {n for n in new_names if not guard.matches(n)}
                new_addrs = {a for a in new_addrs if not guard.matches(a)}
            pending = (new_names - names, new_addrs - addrs)
        order = BlockOrder(dns=sorted(names), ip=sorted(addrs))
        return Timeline(_frame(rows, "time"), world, order)

    def aftermath(
        self,
        order: BlockOrder,
        months: int = 12,
        *,
        relet: float = 0.25,
        seed: int = 0,
        progress: bool | None = None,
    ) -> Timeline:
        """A block list that outlives its targets: the infringing services are gone, the
        list stays, and each month a share ``relet`` of the leased addresses they left is
        handed to new legal tenants (hotels, shops, a nunnery...). CDN addresses keep
        their other customers. Returns a :class:`Timeline` with one row per month."""
        _check_rate("relet", relet)
        _count("months", months, 1)
        if not isinstance(order, BlockOrder):
            raise TypeError(f"order={order!r}: expected a BlockOrder")
        world = self.copy()
        rng = np.random.default_rng([self.seed, seed, 3])
        idle: list[int] = []
        for s in range(world._n_services):  # the services shut down
            rows = world._service_rows(s)
            world.active[rows] = False
            if world._svc_cdn[s] < 0:
                idle += [int(a) for a in world._svc_v4[s] if a >= 0]
            world._svc_v4[s] = -1
        hit4, _ = world.match_addresses(order.ip)
        idle = [a for a in idle if hit4[a]]  # only listed leases matter here
        rows = []
        for month in _progress(range(months + 1), months + 1, "months", progress, self.size):
            if month:
                take = rng.random(len(idle)) < relet
                for a in [a for a, t in zip(idle, take, strict=True) if t]:
                    world._tenant(a)
                idle = [a for a, t in zip(idle, take, strict=True) if not t]
            row = {"month": month, "listed leases still idle": len(idle)}
            row.update(world._measure(order)[0])
            rows.append(row)
        return Timeline(_frame(rows, "month"), world, order)

    # -- timeline helpers (these change the world they are called on: use copies) --------------
    def _v4_texts(self, rows: Iterable[int]) -> list[str]:
        return self.ipv4(sorted(rows))

    def _service_rows(self, s: int) -> np.ndarray:
        rows = self._svc_rows[self._svc_ptr[s] : self._svc_ptr[s + 1]]
        return rows[self.active[rows]]

    def _services_blocked(self, out: Outcome) -> np.ndarray:
        """Which services have a name that fails in ``out``."""
        down = (out.stage > 0) & (self.service >= 0)
        blocked = np.zeros(self._n_services, dtype=bool)
        blocked[self.service[down]] = True
        return blocked

    def _measure(self, order: BlockOrder) -> tuple[dict, Outcome]:
        """A timeline's figures for ``order`` now, and the IPv4-only outcome."""
        row = {}
        hits = self._hits(order)
        for client in ("v4", "dual"):
            out = self._evaluate(order, hits, client, False)
            row[f"legal names down ({client})"] = int(out.collateral.sum())
            row[f"visits lost ({client})"] = out.visits_lost
            row[f"services reachable ({client})"] = out.services_reachable
            if client == "v4":
                row["new tenants cut"] = int((out.collateral & self._is_tenant).sum())
                first = out
        return row, first

    def _hop(self, s: int, rng) -> list[int]:
        """Service ``s`` moves to another address: another pair of its CDN, or another
        lease. Returns the leased IPv4 rows it gave up (for new tenants)."""
        rows = self._svc_rows[self._svc_ptr[s] : self._svc_ptr[s + 1]]  # reserve too
        cdn = int(self._svc_cdn[s])
        if cdn >= 0:
            weights = self._pirate_weights[cdn]
            pair = int(rng.choice(len(weights), p=weights))
            for h in range(self.params.cdn_v4_per_site):
                self._svc_v4[s, h] = self._cdn_first4[cdn] + h * self._cdn_half[cdn] + pair
            self.v4[rows] = self._svc_v4[s]
            had = rows[self.v6[rows, 0] >= 0]  # IPv6 moves with the pair
            for h in range(self.params.cdn_v6_per_site):
                self.v6[had, h] = self._cdn_first6[cdn, h] + pair
            return []
        spare = self._spare[int(self._svc_provider[s])]
        if not spare:
            return []  # the provider has nothing left to lease
        freed = [int(a) for a in self._svc_v4[s] if a >= 0]
        self._svc_v4[s] = -1
        self._svc_v4[s, 0] = spare.pop()
        self.v4[rows] = self._svc_v4[s]
        return freed

    def _new_name(self, s: int) -> None:
        """Service ``s`` registers its next reserve name and drops its oldest one."""
        start, stop = self._svc_ptr[s], self._svc_ptr[s + 1]
        nxt = self._svc_next[s]
        if nxt >= stop:
            return
        rows = self._service_rows(s)
        new = self._svc_rows[nxt]
        self._svc_next[s] = nxt + 1
        self.active[new] = True
        self.v4[new] = self._svc_v4[s]
        self.v6[new] = self.v6[rows[0]] if len(rows) else -1
        if len(rows) and start <= nxt:
            self.active[rows[0]] = False

    def _relet_due(self, relets: list[tuple[int, int]], now: int) -> None:
        for _, a in [r for r in relets if r[0] <= now]:
            self._tenant(a)
        relets[:] = [r for r in relets if r[0] > now]

    def _tenant(self, a: int) -> None:
        """A new legal tenant moves onto IPv4 row ``a``."""
        if self._tenant_next >= self.size:
            return
        row = self._tenant_next
        self._tenant_next += 1
        self.active[row] = True
        self.v4[row] = -1
        self.v4[row, 0] = a
        self.v6[row] = -1
        self.provider[row] = self.addr4_provider[a]

    # -- a packet-level copy ---------------------------------------------------------------------
    def to_world(self, *, max_names: int = 3000):
        """This synthetic internet as a packet-level :class:`~censorsim.World`.

        Every existing name becomes a web site (https and http) on hosts with the same
        addresses, built with :func:`~censorsim.worlds.new_world`, :func:`add_isp`
        (an ISP ``isp`` with its resolver and censor), :func:`add_cdn` (one edge per
        address pair in use; a CDN of ``cdn_ech`` offers Encrypted Client Hello under the
        public name :meth:`ech_name`, with an HTTPS record for each customer),
        :func:`add_hosting` and :func:`publish`. Clients made with
        ``world.client(name, ip_version=...)`` are the ISP's subscribers. Meant for small
        internets (``max_names``): a thousand names take a fraction of a second to build,
        and each fetch a few milliseconds.
        """
        live = int(self.active.sum())
        if live > max_names:
            raise ValueError(
                f"{live:,} names is too many for a packet-level world (max_names={max_names:,}); "
                "make a smaller synthetic internet, e.g. synthetic_internet(300, ...)"
            )
        return _build_world(self)


def _regex(pattern: str):
    """``pattern`` compiled as ``Blocklist`` compiles its regex entries: RE2, whatever the
    case, without complaints on stderr."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    return re2.compile(pattern, options)


def _check_blocklist(value) -> None:
    if value is not None and not isinstance(value, Blocklist):
        raise TypeError(f"{value!r}: expected a censorsim.Blocklist (or None)")


def _check_rate(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{name}={value!r}: expected a probability from 0 to 1")


def _minutes(text, what: str) -> int:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", text) if isinstance(text, str) else None
    if m is None or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(f"{what}={text!r}: expected a time of day such as '18:30'")
    return int(m.group(1)) * 60 + int(m.group(2))


def _frame(rows: list[dict], index: str):
    import pandas as pd

    return pd.DataFrame(rows).set_index(index)


def _in_notebook() -> bool:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _progress(iterable, total: int, what: str, progress: bool | None, size: int):
    """``iterable`` with a progress bar: in a notebook (a widget, never on stderr) when
    the run is long (``progress=None``: steps x rows of 12 million or more, a few seconds
    at least), or always with ``progress=True`` (a text bar on stdout outside notebooks)."""
    if progress is None:
        progress = _in_notebook() and total * size >= 12_000_000
    if not progress:
        return iterable
    if _in_notebook():
        try:
            from tqdm.notebook import tqdm as notebook_tqdm

            return notebook_tqdm(iterable, total=total, desc=what)
        except ImportError:  # no ipywidgets: a text bar on stdout below
            pass
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=what, file=sys.stdout)


@dataclass(frozen=True)
class Timeline:
    """A timeline's result: ``table`` (pandas, one row per step), ``world`` (the
    synthetic internet as it ended) and ``order`` (the block order as it ended)."""

    table: object
    world: SyntheticInternet
    order: BlockOrder

    def __repr__(self) -> str:
        return f"<Timeline {len(self.table)} steps; final {self.order!r}>"


class Outcome:
    """What every name gives a subscriber under a :class:`BlockOrder` (lesson 05).

    ``stage`` holds one code per row: -1 the name does not exist or has no address the
    client can use, 0 it loads, 1 it fails at DNS, 2 at TCP (every usable address is
    blocked), 3 at TLS (its SNI is blocked). ``degraded``: it loads, but only after
    one or more attempts at blocked addresses; ``wait``: seconds lost before it loads or
    fails, under the packet simulator's timeouts (a browser that tries addresses one by
    one waits longer).
    """

    def __init__(self, internet, order, client, stage, degraded, wait, active, ech):
        self.internet, self.order, self.client = internet, order, client
        self.stage, self.degraded, self.wait = stage, degraded, wait
        self.active, self.ech = active, ech

    def __repr__(self) -> str:
        return (
            f"<Outcome {self.client}: {int(self.failing.sum()):,} names fail "
            f"({int(self.collateral.sum()):,} legal), {self.visits_lost:.2%} of legal visits lost>"
        )

    @property
    def failing(self) -> np.ndarray:
        """Rows that exist, could load without censorship, and fail."""
        return self.stage > 0

    @property
    def legal(self) -> np.ndarray:
        return self.active & (self.internet.service < 0)

    @property
    def collateral(self) -> np.ndarray:
        """Legal names that fail: the side effects."""
        return self.failing & self.legal

    @property
    def visits_lost(self) -> float:
        """Share of the visits to legal names that fail (popularity-weighted collateral)."""
        w = self.internet.weight
        total = w[self.legal].sum()
        return float(w[self.collateral].sum() / total) if total else 0.0

    @property
    def services_reachable(self) -> int:
        """Infringing services with at least one name that still loads."""
        svc = self.internet.service
        ok = (self.stage == 0) & (svc >= 0)
        return int(len(np.unique(svc[ok])))

    def failure(self, name: str) -> str | None:
        """The failure a client reports for ``name`` (``"tcp:timeout"``...), None when it
        loads, ``"unreachable"`` when it cannot load even without censorship."""
        return self.failures()[self.internet.row(name)]

    def failures(self) -> np.ndarray:
        """The failure of every row, as the packet simulator names it (object array)."""
        out = np.full(self.stage.shape, None, dtype=object)
        out[self.stage == -1] = "unreachable"
        out[self.stage == 1] = _FAILURES["dns"][self.order.dns_action]
        out[self.stage == 2] = _FAILURES["ip"][self.order.ip_action]
        out[self.stage == 3] = _FAILURES["sni"][self.order.sni_action]
        return out

    def by_category(self):
        """Per category: names, names failing, their share, and the share of visits lost."""
        import pandas as pd

        internet = self.internet
        rows = []
        for code, label in enumerate(CATEGORIES):
            mask = self.active & (internet.category == code)
            if not mask.any():
                continue
            fail = mask & self.failing
            w = internet.weight
            rows.append(
                {
                    "category": label,
                    "names": int(mask.sum()),
                    "failing": int(fail.sum()),
                    "share failing": fail.sum() / mask.sum(),
                    "share of visits lost": w[fail].sum() / w[mask].sum(),
                }
            )
        return pd.DataFrame(rows).set_index("category")

    def summary(self) -> dict:
        """The headline figures as a dict."""
        return {
            "client": self.client,
            "names failing": int(self.failing.sum()),
            "legal names failing": int(self.collateral.sum()),
            "share of legal names failing": float(self.collateral.sum() / max(self.legal.sum(), 1)),
            "share of legal visits lost": self.visits_lost,
            "legal names slowed (a blocked address tried first)": int(
                (self.degraded & self.legal).sum()
            ),
            "infringing services reachable": self.services_reachable,
        }

    def top(self, k: int = 10):
        """The ``k`` most popular legal names that fail (a pandas table)."""
        rows = np.flatnonzero(self.collateral)[:k]
        table = self.internet.table(rows, None)
        table["failure"] = self.failures()[rows]
        return table


class _Generator:
    """Draws a synthetic internet into the arrays of ``internet`` (see the module's
    docstring); each part draws from its own random stream, so changing one parameter
    leaves the draws of the other parts as they were."""

    STREAMS = (
        "kinds",
        "infringing",
        "parents",
        "categories",
        "hosting",
        "cdn",
        "shared",
        "dedicated",
        "ipv6",
        "platform",
        "tenants",
    )

    def __init__(self, internet: SyntheticInternet):
        self.w = internet
        self.p = internet.params
        self.n = internet.n
        streams = np.random.SeedSequence(internet.seed).spawn(len(self.STREAMS))
        self.rng = {k: np.random.default_rng(s) for k, s in zip(self.STREAMS, streams, strict=True)}

    def run(self) -> None:
        self._layout()
        self._popularity()
        self._categories()
        self._hosting()
        self._addresses()
        self._names()
        self._tree()

    # rows: [0, n) the names that exist, by rank; then the infringing services' reserve
    # names; then room for new tenants of released leases
    def _layout(self) -> None:
        p, n, w = self.p, self.n, self.w
        rng, irng = self.rng["kinds"], self.rng["infringing"]
        n_svc = p.infringing_services
        per = irng.geometric(1 / p.infringing_names, size=n_svc).astype(np.int64)
        n_inf = int(per.sum())
        reserve = n_svc * p.infringing_reserve
        tenants = int(round(p.tenant_reserve * n))
        n_plat = p.platforms
        plat_hosts = n_plat * p.platform_hostnames
        low = max(min(p.infringing_top_rank, n) - 1, n_plat)
        if plat_hosts + n_plat + 2 * n_inf > (n - low) or n_inf + plat_hosts > n // 2:
            raise ValueError(
                f"n_domains={n:,} is too small for {n_plat} platforms with "
                f"{p.platform_hostnames} host names each and {n_svc} infringing services "
                f"({n_inf} names from rank {low + 1}): lower them (platforms=..., "
                "platform_hostnames=..., infringing_services=...)"
            )
        size = n + reserve + tenants
        self.size = size
        service = np.full(size, -1, dtype=np.int32)
        # infringing names: ranks spread log-uniformly from infringing_top_rank to n
        chosen = np.zeros(0, dtype=np.int64)
        while len(chosen) < n_inf:
            draw = np.exp(irng.uniform(np.log(low + 1), np.log(n), size=2 * n_inf + 16)) - 1
            cand = np.setdiff1d(np.unique(draw.astype(np.int64).clip(low, n - 1)), chosen)
            irng.shuffle(cand)
            chosen = np.concatenate([chosen, cand[: n_inf - len(chosen)]])
        service[chosen] = np.repeat(np.arange(n_svc, dtype=np.int32), per)
        service[n : n + reserve] = np.repeat(np.arange(n_svc, dtype=np.int32), p.infringing_reserve)
        # platforms: the first names; their host names the next most popular host names
        free = np.ones(n, dtype=bool)
        free[chosen] = False
        free[:n_plat] = False
        candidates = np.flatnonzero(free)
        host_rows = candidates[rng.random(len(candidates)) < p.hostname_share]
        if len(host_rows) < plat_hosts:
            raise ValueError(
                f"hostname_share={p.hostname_share} gives {len(host_rows)} host names, fewer "
                f"than the platforms' {plat_hosts}"
            )
        platform_of = np.full(size, -1, dtype=np.int32)
        platform_of[:n_plat] = np.arange(n_plat)
        platform_of[host_rows[:plat_hosts]] = np.repeat(
            np.arange(n_plat, dtype=np.int32), p.platform_hostnames
        )
        # the other host names hang under registered legal names, popular ones more often
        parent = np.full(size, -1, dtype=np.int64)
        parent[host_rows[:plat_hosts]] = platform_of[host_rows[:plat_hosts]]
        is_host = np.zeros(size, dtype=bool)
        is_host[host_rows] = True
        registered = np.flatnonzero(~is_host[:n] & (service[:n] < 0) & (platform_of[:n] < 0))
        others = host_rows[plat_hosts:]
        if len(others):
            if not len(registered):
                raise ValueError("hostname_share leaves no registered names for host names")
            weights = (registered + 1.0) ** (-0.5 * p.popularity_exponent)
            pick = self.rng["parents"].choice(
                len(registered), size=len(others), p=weights / weights.sum()
            )
            parent[others] = registered[pick]
        w.parent = parent
        w.service = service
        w.active = np.zeros(size, dtype=bool)
        w.active[:n] = True
        w._tenant_first = n + reserve
        w._tenant_next = n + reserve
        w._is_tenant = np.zeros(size, dtype=bool)
        w._is_tenant[n + reserve :] = True
        # each service's rows, existing names first (rows < n), then its reserve
        has = np.flatnonzero(service >= 0)
        w._svc_rows = has[np.argsort(service[has], kind="stable")]
        w._svc_ptr = np.zeros(n_svc + 1, dtype=np.int64)
        w._svc_ptr[1:] = np.cumsum(np.bincount(service[has], minlength=n_svc))
        w._svc_next = w._svc_ptr[:-1] + per
        w._n_services = n_svc
        self.platform_of = platform_of
        self.per = per
        self.reserve = reserve

    def _popularity(self) -> None:
        p, n, w = self.p, self.n, self.w
        by_rank = np.arange(1, n + 1, dtype=np.float64) ** -p.popularity_exponent
        total = by_rank.sum()
        weight = np.empty(self.size)
        weight[:n] = by_rank / total
        if w._n_services:  # a reserve name gets the mean share of its service's names
            first = w.service[:n]
            sums = np.bincount(
                first[first >= 0], weights=weight[:n][first >= 0], minlength=w._n_services
            )
            reserve = slice(n, n + self.reserve)
            weight[reserve] = (sums / self.per)[w.service[reserve]]
        # new tenants are small sites: ranks in the second half
        ranks = self.rng["tenants"].integers(n // 2, n, size=self.size - w._tenant_first) + 1
        weight[w._tenant_first :] = ranks.astype(np.float64) ** -p.popularity_exponent / total
        w.weight = weight

    def _categories(self) -> None:
        p, w, rng = self.p, self.w, self.rng["categories"]
        shares = dict(p.categories)
        probs = np.array([shares.get(c, 0.0) for c in _DRAWN] + [0.0])
        probs[-1] = max(0.0, 1.0 - probs[:-1].sum())
        codes = np.array([*range(len(_DRAWN)), _OTHER], dtype=np.int8)
        category = codes[rng.choice(len(codes), size=self.size, p=probs / probs.sum())]
        category[self.platform_of >= 0] = _PLATFORMS
        hosts = np.flatnonzero(w.parent >= 0)
        category[hosts] = category[w.parent[hosts]]
        category[w.service >= 0] = _INFRINGING
        w.category = category

    def _hosting(self) -> None:
        """The hosting kind of every row (addresses come next)."""
        p, w, n = self.p, self.w, self.n
        rng, irng = self.rng["hosting"], self.rng["infringing"]
        size = self.size
        # base probabilities (cdn, shared, dedicated), fitted so that the registered legal
        # names as a whole reach cdn_share and dedicated_share in spite of the category
        # multipliers and of the popular names' preference for dedicated addresses
        target = np.array([p.cdn_share, 1 - p.cdn_share - p.dedicated_share, p.dedicated_share])
        mult = np.ones((len(CATEGORIES), 3))
        for cat, a, b, c in p.category_hosting:
            mult[CATEGORIES.index(cat)] = (a, b, c)
        legal_reg = (w.parent < 0) & (w.service < 0) & (self.platform_of < 0)
        legal_reg[n:] = False
        reg_rows = np.flatnonzero(legal_reg)
        popular = np.zeros(size, dtype=np.int64)
        popular[reg_rows[: int(math.ceil(p.popular_top * len(reg_rows)))]] = 1
        cells = w.category[reg_rows].astype(np.int64) * 2 + popular[reg_rows]
        counts = np.bincount(cells, minlength=2 * len(CATEGORIES)).reshape(-1, 2).astype(float)

        def table(base):
            probs = np.empty((len(CATEGORIES), 2, 3))
            for c in range(len(CATEGORIES)):
                row = base * mult[c]
                row = row / row.sum() if row.sum() > 0 else np.full(3, 1 / 3)
                probs[c, 0] = row
                rest = row[:2] / row[:2].sum() if row[:2].sum() > 0 else np.full(2, 0.5)
                probs[c, 1] = [*(rest * (1 - p.popular_dedicated)), p.popular_dedicated]
            return probs

        base = target.copy()
        for _ in range(50):
            got = (counts[:, :, None] * table(base)).sum(axis=(0, 1)) / max(counts.sum(), 1)
            base = base * np.where(got > 0, target / np.maximum(got, 1e-12), 1.0)
            base = base / base.sum() if base.sum() > 0 else target
        cum = table(base).cumsum(axis=2)
        kinds = np.array([_CDN, _SHARED, _DEDICATED], dtype=np.int8)
        drawn = (rng.random(size)[:, None] > cum[w.category, popular]).sum(axis=1).clip(0, 2)
        hosting = kinds[drawn]
        hosting[self.platform_of >= 0] = _PLATFORM
        hosting[w._tenant_first :] = _DEDICATED  # tenants rent leases
        # infringing services: behind a CDN or on leases
        n_svc = w._n_services
        on_cdn = irng.random(n_svc) < p.infringing_on_cdn
        market = np.array(p.cdn_market, dtype=float)
        self.svc_cdn = np.where(on_cdn, irng.choice(len(market), size=n_svc, p=market), -1)
        svc = w.service
        hosting[svc >= 0] = np.where(self.svc_cdn[svc[svc >= 0]] >= 0, _CDN, _DEDICATED)
        # host names: with their parent (same addresses), or drawn like an unpopular name
        hosts = np.flatnonzero((w.parent >= 0) & (self.platform_of < 0))
        same = rng.random(len(hosts)) < p.hostname_same_hosting
        self.copies = hosts[same]
        hosting[self.copies] = hosting[w.parent[self.copies]]
        w.hosting = hosting

    def _addresses(self) -> None:
        p, w = self.p, self.w
        size = self.size
        k4 = max(p.cdn_v4_per_site, 2)
        k6 = max(p.cdn_v6_per_site, 1)
        self.v4 = np.full((size, k4), -1, dtype=np.int32)
        self.v6 = np.full((size, k6), -1, dtype=np.int32)
        self.provider = np.full(size, -1, dtype=np.int16)
        self.ech = np.zeros(size, dtype=bool)
        self.providers: list[Provider] = []
        self.parts4, self.prov4, self.hi6, self.lo6, self.prov6 = [], [], [], [], []
        self.cursor4, self.n4, self.n6 = _V4_START, 0, 0
        copy = np.zeros(size, dtype=bool)
        copy[self.copies] = True
        self.own = ~copy  # rows that get addresses of their own (not a parent's)
        self.svc_v4 = np.full((w._n_services, k4), -1, dtype=np.int64)
        self._cdns()
        self._platforms()
        self._shared()
        self._dedicated()
        c = self.copies  # parents are registered names, placed above
        for name in ("provider", "v4", "v6", "ech"):
            getattr(self, name)[c] = getattr(self, name)[w.parent[c]]
        w.providers = tuple(self.providers)
        w.provider, w.v4, w.v6, w.ech = self.provider, self.v4, self.v6, self.ech
        w.addr4 = np.concatenate(self.parts4).astype(np.uint32)
        w.addr4_provider = np.concatenate(self.prov4)
        w.addr6_hi = np.concatenate(self.hi6)
        w.addr6_lo = np.concatenate(self.lo6)
        w.addr6_provider = np.concatenate(self.prov6)
        w._svc_cdn = self.svc_cdn
        w._svc_v4 = self.svc_v4

    def _provider(
        self, name: str, kind: str, v4_blocks: Sequence[int], v6_blocks: int, count6: int
    ):
        """Allocate a provider's addresses: one aligned IPv4 block per entry of
        ``v4_blocks`` (a count of addresses), and ``v6_blocks`` subnets of ``count6``
        IPv6 addresses in its /48. Returns ``(index, first IPv4 rows, first IPv6 rows)``."""
        j = len(self.providers)
        prefixes, firsts4, firsts6 = [], [], []
        for count in v4_blocks:
            bits = max(8, int(math.ceil(math.log2(count + 2))))
            block = 1 << bits
            start = -(-self.cursor4 // block) * block
            if start + block - 1 > _V4_END:
                raise ValueError("this world needs more IPv4 addresses than 10.0.0.0/8 holds")
            self.cursor4 = start + block
            prefixes.append(f"{ipaddress.IPv4Address(start)}/{32 - bits}")
            firsts4.append(self.n4)
            self.parts4.append(np.arange(start + 1, start + 1 + count, dtype=np.uint64))
            self.prov4.append(np.full(count, j, dtype=np.int16))
            self.n4 += count
        hi = _V6_BASE_HI | ((_V6_PROVIDER + j) << 16)
        for subnet in range(v6_blocks):
            firsts6.append(self.n6)
            self.hi6.append(np.full(count6, hi | subnet, dtype=np.uint64))
            self.lo6.append(np.arange(1, count6 + 1, dtype=np.uint64))
            self.prov6.append(np.full(count6, j, dtype=np.int16))
            self.n6 += count6
        v6_prefix = f"2001:db8:{_V6_PROVIDER + j:x}::/48"
        self.providers.append(Provider(j, name, kind, tuple(prefixes), v6_prefix, 64600 + j))
        return j, firsts4, firsts6

    def _cdns(self) -> None:
        """CDN customers on address pairs, spread with Zipf weights over the pairs; the
        infringing services behind a CDN among them (drawn the same way)."""
        p, w = self.p, self.w
        rng, irng, v6rng = self.rng["cdn"], self.rng["infringing"], self.rng["ipv6"]
        svc = w.service
        customers = np.flatnonzero((w.hosting == _CDN) & self.own & (svc < 0))
        market = np.array(p.cdn_market, dtype=float)
        which = rng.choice(len(market), size=len(customers), p=market)
        w._pirate_weights, firsts, halves = [], [], []
        w._cdn_first6 = np.full((len(p.cdn_names), max(p.cdn_v6_per_site, 1)), -1, dtype=np.int64)
        for c, name in enumerate(p.cdn_names):
            pairs = p.cdn_pairs[c]
            weights = np.arange(1, pairs + 1, dtype=float) ** -p.cdn_pair_exponent
            weights /= weights.sum()
            pirates = np.arange(1, pairs + 1, dtype=float) ** -p.infringing_pair_exponent
            w._pirate_weights.append(pirates / pirates.sum())
            j, first4, first6 = self._provider(
                name, "cdn", [pairs] * p.cdn_v4_per_site, p.cdn_v6_per_site, pairs
            )
            firsts.append(first4[0])
            halves.append(pairs)
            w._cdn_first6[c, : len(first6)] = first6
            rows = customers[which == c]
            pair = rng.choice(pairs, size=len(rows), p=weights)
            with_v6 = v6rng.random(len(rows)) < p.cdn_ipv6_share
            mine = np.flatnonzero(self.svc_cdn == c)
            svc_pair = irng.choice(pairs, size=len(mine), p=w._pirate_weights[c])
            srows = np.flatnonzero(np.isin(svc, mine))
            spair = np.zeros(w._n_services, dtype=np.int64)
            spair[mine] = svc_pair
            rows = np.concatenate([rows, srows])
            pair = np.concatenate([pair, spair[svc[srows]]])
            with_v6 = np.concatenate([with_v6, np.ones(len(srows), dtype=bool)])
            self.provider[rows] = j
            for h in range(p.cdn_v4_per_site):
                self.v4[rows, h] = first4[h] + pair
            for h in range(p.cdn_v6_per_site):
                self.v6[rows[with_v6], h] = first6[h] + pair[with_v6]
            self.ech[rows] = p.cdn_ech[c]
            for h in range(p.cdn_v4_per_site):
                self.svc_v4[mine, h] = first4[h] + svc_pair
        w._cdn_first4 = np.array(firsts, dtype=np.int64)
        w._cdn_half = np.array(halves, dtype=np.int64)

    def _platforms(self) -> None:
        p, rng = self.p, self.rng["platform"]
        key = self._label_key()
        for q in range(p.platforms):
            label = _labels(np.array([q]), key)[0].decode()
            j, first4, first6 = self._provider(
                label, "platform", [p.platform_frontends], 1, p.platform_frontends
            )
            rows = np.flatnonzero(self.platform_of == q)
            front = rng.integers(0, p.platform_frontends, size=len(rows))
            self.provider[rows] = j
            self.v4[rows, 0] = first4[0] + front
            self.v6[rows, 0] = first6[0] + front

    def _shared(self) -> None:
        """Shared hosting: servers with log-normal sizes, names placed in proportion."""
        p, w = self.p, self.w
        rng, v6rng = self.rng["shared"], self.rng["ipv6"]
        rows = np.flatnonzero((w.hosting == _SHARED) & self.own)
        mean = p.shared_size_median * math.exp(p.shared_size_sigma**2 / 2)
        n_servers = max(1, int(round(len(rows) / mean)))
        sizes = rng.lognormal(math.log(p.shared_size_median), p.shared_size_sigma, n_servers)
        server = rng.choice(n_servers, size=len(rows), p=sizes / sizes.sum())
        weights = 1.0 / np.arange(1, p.shared_providers + 1)
        server_provider = rng.choice(p.shared_providers, size=n_servers, p=weights / weights.sum())
        server_v6 = v6rng.random(n_servers) < p.other_ipv6_share
        # number the servers within their provider, then give every provider a block
        by_provider = np.argsort(server_provider, kind="stable")
        per_provider = np.bincount(server_provider, minlength=p.shared_providers)
        starts = np.concatenate([[0], np.cumsum(per_provider)[:-1]])
        local = np.empty(n_servers, dtype=np.int64)
        local[by_provider] = np.arange(n_servers) - np.repeat(starts, per_provider)
        first4 = np.empty(p.shared_providers, dtype=np.int64)
        first6 = np.empty(p.shared_providers, dtype=np.int64)
        index = np.empty(p.shared_providers, dtype=np.int16)
        for k in range(p.shared_providers):
            count = max(int(per_provider[k]), 1)
            j, f4, f6 = self._provider(f"sharedhost{k + 1}", "shared", [count], 1, count)
            index[k], first4[k], first6[k] = j, f4[0], f6[0]
        owner = server_provider[server]
        self.provider[rows] = index[owner]
        self.v4[rows, 0] = first4[owner] + local[server]
        six = server_v6[server]
        self.v6[rows[six], 0] = first6[owner[six]] + local[server[six]]

    def _dedicated(self) -> None:
        """Dedicated addresses: one or two IPv4 addresses per name (and IPv6 at the same
        offset); the leasing providers also lease to the infringing services and keep
        free addresses for new leases."""
        p, w, n = self.p, self.w, self.n
        rng, irng, v6rng = self.rng["dedicated"], self.rng["infringing"], self.rng["ipv6"]
        svc = w.service
        rows = np.flatnonzero((w.hosting == _DEDICATED) & self.own & (svc < 0))
        rows = rows[rows < n]  # tenants get their lease when they arrive
        weights = 1.0 / np.arange(1, p.dedicated_providers + 1)
        row_provider = rng.choice(p.dedicated_providers, size=len(rows), p=weights / weights.sum())
        two = rng.random(len(rows)) < p.dedicated_two_addresses
        with_v6 = v6rng.random(len(rows)) < p.other_ipv6_share
        leased = np.flatnonzero(self.svc_cdn < 0)
        svc_provider = irng.integers(0, p.leasing_providers, size=len(leased))
        svc_two = irng.random(len(leased)) < p.dedicated_two_addresses
        svc_v6 = irng.random(len(leased)) < p.other_ipv6_share
        spare = int(round(p.lease_pool * n)) // p.leasing_providers + 16
        w._spare = {}
        w._svc_provider = np.full(w._n_services, -1, dtype=np.int64)
        for k in range(p.dedicated_providers):
            leasing = k < p.leasing_providers
            mine = rows[row_provider == k]
            mine_two = two[row_provider == k]
            services = leased[svc_provider == k] if leasing else np.zeros(0, np.int64)
            s_two = svc_two[svc_provider == k] if leasing else np.zeros(0, bool)
            s_v6 = svc_v6[svc_provider == k] if leasing else np.zeros(0, bool)
            width = 1 + np.concatenate([mine_two, s_two]).astype(np.int64)
            used = int(width.sum())
            count = max(used + (spare if leasing else 0), 1)
            label = f"vps{k + 1}" if leasing else f"cloud{k + 1 - p.leasing_providers}"
            j, first4, first6 = self._provider(
                label, "leasing" if leasing else "dedicated", [count], 1, count
            )
            at = first4[0] + np.concatenate([[0], np.cumsum(width)[:-1]]).astype(np.int64)
            at6 = first6[0] + (at - first4[0])
            m = len(mine)
            self.provider[mine] = j
            self.v4[mine, 0] = at[:m]
            self.v4[mine[mine_two], 1] = at[:m][mine_two] + 1
            self.v6[mine[with_v6[row_provider == k]], 0] = at6[:m][with_v6[row_provider == k]]
            for i, s in enumerate(services):
                srows = w._svc_rows[w._svc_ptr[s] : w._svc_ptr[s + 1]]
                self.svc_v4[s, 0] = at[m + i]
                if s_two[i]:
                    self.svc_v4[s, 1] = at[m + i] + 1
                self.provider[srows] = j
                self.v4[srows] = self.svc_v4[s]
                if s_v6[i]:
                    self.v6[srows, 0] = at6[m + i]
                w._svc_provider[s] = j
            if leasing:  # free addresses, handed out lowest first
                w._spare[j] = list(range(first4[0] + count - 1, first4[0] + used - 1, -1))

    # -- names ---------------------------------------------------------------------------------
    def _label_key(self) -> tuple[int, int]:
        k = 3
        while len(_SYLLABLES) ** k < self.size + 1:
            k += 1
        return k, self.w.seed

    def _names(self) -> None:
        w = self.w
        size = self.size
        key = self._label_key()
        tld = ("." + _TLD).encode()
        registered = np.flatnonzero((w.parent < 0) & (w.service < 0))
        reg_names = np.strings.add(_labels(registered, key), tld)
        # infringing names: <brand>-<label>[2, 3...].example, numbered in hopping order
        rows = w._svc_rows
        if len(rows):
            owner = w.service[rows].astype(np.int64)
            ordinal = np.arange(len(rows)) - w._svc_ptr[owner]
            words = np.array([b.encode() for b in _BRANDS], dtype="S")[owner % len(_BRANDS)]
            brand = np.strings.add(
                np.strings.add(words, b"-"), _labels(owner, (key[0], key[1] + 7))
            )
            number = np.where(ordinal > 0, (ordinal + 1).astype("S"), b"")
            svc_names = np.strings.add(np.strings.add(brand, number), tld)
        else:
            svc_names = np.zeros(0, dtype="S1")
        # host names: <sub>.<parent>, the parent's first host name www, then api...
        hosts = np.flatnonzero(w.parent >= 0)
        parent = w.parent[hosts]
        order = np.argsort(parent, kind="stable")
        sorted_parent = parent[order]
        ordinal = np.empty(len(hosts), dtype=np.int64)
        ordinal[order] = np.arange(len(hosts)) - np.searchsorted(sorted_parent, sorted_parent)
        longest = max(len(x) for x in (*_PLATFORM_SUBS, *_SITE_SUBS)) + 8
        subs = np.zeros(len(hosts), dtype=f"S{longest}")
        for vocab, mask in (
            (_PLATFORM_SUBS, self.platform_of[hosts] >= 0),
            (_SITE_SUBS, self.platform_of[hosts] < 0),
        ):
            o = ordinal[mask]
            words = np.array([s.encode() for s in vocab], dtype="S")[o % len(vocab)]
            words = words.astype(subs.dtype)
            big = o >= len(vocab)
            words[big] = np.strings.add(words[big], (o[big] // len(vocab)).astype("S"))
            subs[mask] = words
        position = np.full(size, -1, dtype=np.int64)
        position[registered] = np.arange(len(registered))
        host_names = np.strings.add(np.strings.add(subs, b"."), reg_names[position[parent]])
        width = max(a.dtype.itemsize for a in (reg_names, svc_names, host_names))
        names = np.zeros(size, dtype=f"S{width}")
        names[registered] = reg_names
        names[rows] = svc_names
        names[hosts] = host_names
        w.names = names
        self.hosts, self.subs = hosts, subs

    def _tree(self) -> None:
        """The tree of names for suffix matching: each row's node points at the name one
        label boundary up: a host name at its parent, or at an intermediate name such as
        ``usercontent.<platform>.example``; a registered name at ``example``."""
        w, size = self.w, self.size
        tld = size  # the node of the top-level domain; intermediate names follow it
        node_parent = np.full(size, tld, dtype=np.int64)
        node_parent[self.hosts] = w.parent[self.hosts]
        extra: dict[str, int] = {}
        chain: list[int] = []
        dotted = np.flatnonzero(np.strings.find(self.subs, b".") >= 0)
        for i in dotted.tolist():
            row = int(self.hosts[i])
            labels = self.subs[i].decode().split(".")
            up = int(w.parent[row])
            base = w.names[up].decode()
            for depth in range(len(labels) - 1, 0, -1):  # c.parent, then b.c.parent
                text = ".".join(labels[depth:]) + "." + base
                if text not in extra:
                    extra[text] = size + 1 + len(extra)
                    chain.append(up)
                up = extra[text]
            node_parent[row] = up
        w._node_parent = np.concatenate([node_parent, [tld], np.array(chain, dtype=np.int64)])
        w._node_count = len(w._node_parent)
        extra[_TLD] = tld
        w._extra_nodes = extra
        most = max((s.count(b".") for s in self.subs[dotted].tolist()), default=0)
        w._node_depth = most + 3


def _labels(rows: np.ndarray, key: tuple[int, int]) -> np.ndarray:
    """Pronounceable labels, one per row number and all different: a bijection of the row
    numbers onto strings of ``key[0]`` syllables, scrambled by the seed ``key[1]``."""
    k, seed = key
    base = len(_SYLLABLES)
    modulus = base**k
    mult = (2654435761 + 2 * seed) % modulus
    while math.gcd(mult, modulus) != 1:
        mult += 1
    shift = (seed * 7919 + 12345) % modulus
    code = (np.asarray(rows, dtype=np.int64) * mult + shift) % modulus
    syllables, pairs = _syllable_tables()
    out = pairs[code % (base * base)]  # two syllables at a time: half the string work
    code = code // (base * base)
    for _ in range(k - 2):
        out = np.strings.add(out, syllables[code % base])
        code = code // base
    return out


_TABLES: list = []


def _syllable_tables() -> tuple[np.ndarray, np.ndarray]:
    """The syllables, and every pair of syllables, as byte-string arrays (made once)."""
    if not _TABLES:
        syllables = np.array([s.encode() for s in _SYLLABLES], dtype="S3")
        pairs = np.strings.add(
            np.repeat(syllables, len(syllables)), np.tile(syllables, len(syllables))
        )
        _TABLES.extend([syllables, pairs])
    return _TABLES[0], _TABLES[1]


def _build_world(internet: SyntheticInternet):
    """The packet-level world of :meth:`SyntheticInternet.to_world`."""
    from censorsim.protocols.web import Site, WebServer
    from censorsim.wire.ech import ech_config_list
    from censorsim.worlds.builders import add_cdn, add_hosting, add_isp, new_world, publish

    world = new_world(internet.seed)
    add_isp(
        world,
        "isp",
        list(ISP_PREFIXES),
        resolver_address="198.18.255.53",
        blockpage_address="198.18.255.80",
        asn=64500,
    )
    live = np.flatnonzero(internet.active)
    sites = {}
    for row in live.tolist():
        name = internet.name(row)
        category = CATEGORIES[internet.category[row]]
        sites[row] = Site(
            name,
            f"{name} ({category})",
            f"Rank {row + 1} of the synthetic internet." if row < internet.n else "A new site.",
            infringing=bool(internet.service[row] >= 0),
            category=category,
        )
    by_provider: dict[int, list[int]] = {}
    for row in live.tolist():
        by_provider.setdefault(int(internet.provider[row]), []).append(row)
    for j, rows in sorted(by_provider.items()):
        prov = internet.providers[j]
        prefixes = [*prov.v4_prefixes, prov.v6_prefix]
        if prov.kind in ("cdn", "platform"):
            # one edge per address group in use: every edge serves every customer (anycast)
            groups = sorted({tuple(internet.addresses(r)) for r in rows}, key=len, reverse=True)
            edges: list[tuple[str, ...]] = []
            for group in groups:
                if not any(set(group) <= set(edge) for edge in edges):
                    edges.append(group)
            offers_ech = prov.kind == "cdn" and internet.params.cdn_ech[j]
            cdn = add_cdn(
                world,
                prov.name,
                prefixes,
                [list(e) for e in edges],
                asn=prov.asn,
                ech_public_name=internet.ech_name(j) if offers_ech else None,
            )
            for row in rows:
                for server in cdn.servers:
                    server.add_site(sites[row])
                publish(world, sites[row], internet.addresses(row))
                if cdn.ech is not None:  # the HTTPS record with the CDN's ECH configuration
                    world.zone.add_https(sites[row].name, ech=ech_config_list(cdn.ech[0]))
        else:
            hosting = add_hosting(world, prov.name, prefixes, asn=prov.asn)
            servers: dict[tuple[str, ...], list[int]] = {}
            for row in rows:
                servers.setdefault(tuple(internet.addresses(row)), []).append(row)
            taken: dict[str, tuple[str, ...]] = {}
            for k, (addresses, names) in enumerate(sorted(servers.items())):
                for a in addresses:
                    if a in taken:
                        raise AssertionError(f"address {a} of {addresses} also in {taken[a]}")
                    taken[a] = addresses
                host = world.add_host(f"{prov.name}-server-{k + 1}", hosting.network, addresses)
                WebServer(
                    host,
                    (internet.name(names[0]),),
                    ca=world.ca,
                    sites={internet.name(r): sites[r] for r in names},
                    server_header=prov.name,
                )
                for row in names:
                    publish(world, sites[row], addresses, ttl=3600)
    return world

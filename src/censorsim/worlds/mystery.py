"""Mystery worlds: networks with censors to be found by measurement, as recipes (lab 04).

Theory of operation
-------------------
Lab 04 asks for a detective: code that measures a list of URLs from a probe inside an ISP
and says, for each, what stops it. :func:`mystery` writes the worlds it is graded on, as
recipes (:mod:`censorsim.worlds.recipe`) that :mod:`censorsim.measure.blackbox` builds in
another process. A world holds, drawn from a seed:

* one to three ISPs, each with a probe (``probe-<isp>``), its resolver and its block-page
  server; a national gateway in front of the first two (or of the only one); a public
  resolver with DNS over HTTPS; a control network outside every censor;
* a CDN with four shared edge addresses, a hosting company (one address per site), and a
  faraway hosting company;
* one *target* site for each mechanism of lab 04, each blocked by one rule:
  ``dns-resolver`` (one of the five resolver rules), ``dns-injection`` (``SpoofDNSOnQName``
  or ``SpoofNXDomainOnQName``), ``ip-drop`` and ``ip-reset`` (the address of a CDN edge, so
  the sites sharing it fall too), ``sni-drop``, ``sni-reset``, ``http-blockpage`` (each
  matching ``exact``, ``suffix`` or ``substring``, the three modes once each, with a
  bystander site caught by the suffix or the fragment), and ``throttle`` (by address on a
  site of its own, or by name, on a heavy page). Rules sit at the ISP's border, on the
  probe's access link, or at the gateway; resolver rules in the ISP's resolver;
* legal sites beside the targets, and decoys that fail without any censor: a server that is
  down, a certificate that expired, a page that answers 500, a name that does not exist, a
  heavy page on a faraway server (a satellite link: slow from everywhere, as slow as a
  throttled page), and a site that the CDN's name servers send one ISP's resolver elsewhere
  for (another edge, or a regional CDN with an AS of its own, lesson 06).

With several ISPs the rules are spread over them: a URL blocked in one ISP loads in
another, and rules at the gateway act in the two ISPs behind it.

The generator is public: a student may train a detective on mystery worlds of any seed.
Graded worlds come from seeds the student's code does not know.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = [
    "mystery",
    "Mystery",
    "MECHANISM_KINDS",
    "DECOY_KINDS",
    "LOCATED_KINDS",
    "RESOLVER_RULES",
    "INJECTION_RULES",
    "PUBLIC_RESOLVER",
    "DOH_URL",
]

#: The mechanisms a mystery world has one target of, at least.
MECHANISM_KINDS = (
    "dns-resolver",
    "dns-injection",
    "ip-drop",
    "ip-reset",
    "sni-drop",
    "sni-reset",
    "throttle",
    "http-blockpage",
)
#: The mechanisms whose rule a traceroute finds (they act on the probe's connections).
LOCATED_KINDS = ("ip-drop", "ip-reset", "sni-drop", "sni-reset", "http-blockpage")
#: The decoys: sites that fail, or look odd, with no censor involved.
DECOY_KINDS = ("down", "expired", "error-page", "no-such-name", "slow", "regional")
PUBLIC_RESOLVER = "198.51.100.53"
DOH_URL = "https://dns.resolver.example/dns-query"

ISP_NAMES = ("movinet", "orangina", "telecable", "vodafine", "digimobil", "lowinet")
TARGET_WORDS = (
    "golazo",
    "partidazo",
    "tvlibre",
    "cinegratis",
    "estrenos",
    "pelisplus",
    "ligamax",
    "tribuna",
    "palcovip",
    "apuestas",
    "descargas",
    "torrentia",
    "deportv",
    "marcador",
    "futbolhd",
    "canchalibre",
)
LEGAL_WORDS = (
    "bakery",
    "school",
    "pharmacy",
    "library",
    "weather",
    "bank",
    "grocer",
    "museum",
    "clinic",
    "theatre",
    "garden",
    "bicycle",
    "dentist",
    "florist",
    "tailor",
    "railway",
    "council",
    "hospital",
)
# sites whose names contain a target's word: bystanders of a substring rule
_BYSTANDER_PREFIXES = ("el", "mi", "todo", "the")
#: The rules a ``dns-resolver`` target may get, and those of a ``dns-injection`` target.
RESOLVER_RULES = (
    "NXDomainOnQName",
    "RefuseOnQName",
    "IgnoreOnQName",
    "SinkholeOnQName",
    "BlockpageOnQName",
)
INJECTION_RULES = ("SpoofDNSOnQName", "SpoofNXDomainOnQName")
_EDGES = ("203.0.113.10", "203.0.113.11", "203.0.113.12", "203.0.113.13")
_REGIONAL_EDGE = "198.19.64.10"


@dataclass(frozen=True)
class Mystery:
    """A mystery world: its ``recipe``, the names of its ``probes`` (one per ISP, in the
    order of ``isps``), the ``urls`` to investigate (the same list for every probe), and
    ``cases``: what each URL was made to be (``role``: ``"target"``, ``"bystander"``,
    ``"legal"`` or ``"decoy"``; ``kind``: a mechanism, a decoy kind or ``"legal"``;
    ``isp``: the ISP whose rule it is, for targets). Only a judge
    (:meth:`censorsim.measure.Blackbox.build`) says what stops each URL for each probe."""

    seed: int
    recipe: dict
    isps: tuple[str, ...]
    probes: tuple[str, ...]
    urls: tuple[str, ...]
    cases: tuple[dict, ...]
    control: str = "control"


def mystery(
    seed: int,
    *,
    isps: int = 1,
    gateway: bool = True,
    line: bool = True,
    resolver_rule: str | tuple[str, ...] | None = None,
    injection_rule: str | tuple[str, ...] | None = None,
    regional: str | None = None,
) -> Mystery:
    """A mystery world drawn from ``seed`` (see the module's docstring).

    ``isps`` (1 to 3) is the number of ISPs, each with a probe; ``gateway`` puts a national
    gateway in front of the first two; ``line`` lets rules sit on a probe's access link.
    ``resolver_rule`` and ``injection_rule`` choose the rule of the DNS targets (one of
    :data:`RESOLVER_RULES`, of :data:`INJECTION_RULES`) instead of drawing it; a tuple of
    rules makes one target for each, in the same place. ``regional`` chooses where the
    regional decoy's answer leads: ``"same-as"`` (another edge of the CDN) or ``"other-as"``
    (a regional CDN with an AS of its own).
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed={seed!r}: expected an int")
    if isps not in (1, 2, 3):
        raise ValueError(f"isps={isps!r}: expected 1, 2 or 3")
    if regional not in (None, "same-as", "other-as"):
        raise ValueError(f"regional={regional!r}: expected None, 'same-as' or 'other-as'")
    builder = _Builder(seed, isps, gateway, line)
    builder.regional_kind = regional
    builder.resolver_rules = _chosen(resolver_rule, RESOLVER_RULES, "resolver_rule")
    builder.injection_rules = _chosen(injection_rule, INJECTION_RULES, "injection_rule")
    return builder.make()


def _chosen(value, allowed: tuple[str, ...], what: str) -> tuple:
    """``(None,)`` (draw one), or the rules asked for, checked."""
    if value is None:
        return (None,)
    rules = (value,) if isinstance(value, str) else tuple(value)
    if not rules or any(rule not in allowed for rule in rules):
        raise ValueError(f"{what}={value!r}: expected one of {allowed}, or a tuple of them")
    if len(rules) > 5:
        raise ValueError(f"{what}={value!r}: at most five rules")
    return rules


class _Builder:
    def __init__(self, seed: int, n: int, gateway: bool, line: bool):
        self.rng = random.Random(f"censorsim-mystery:{seed}")
        self.seed, self.n, self.gateway, self.line = seed, n, gateway, line
        self.steps: list[dict] = []
        self.sites: list[dict] = []  # site steps, added after the networks
        self.rules: list[dict] = []
        self.cases: list[dict] = []
        self.targets = list(self.rng.sample(TARGET_WORDS, len(TARGET_WORDS)))
        self.legal = list(self.rng.sample(LEGAL_WORDS, len(LEGAL_WORDS)))
        self.hosted = 0  # addresses given out at the hosting company
        self.edge_sites = {i: [] for i in range(len(_EDGES))}

    # -- names and places ----------------------------------------------------------------
    def target_word(self) -> str:
        return self.targets.pop()

    def legal_name(self) -> str:
        return f"{self.legal.pop()}.example"

    def hosting_address(self) -> str:
        self.hosted += 1
        return f"192.0.2.{140 + self.hosted}"

    def add_site(self, name: str, *, where, role: str, kind: str, scheme: str = "https",
                 isp: str | None = None, **extra) -> str:  # fmt: skip
        step = {"do": "site", "name": name, "title": name.split(".")[0].capitalize()}
        if where == "hosting":
            step.update(hosting="hostco", addresses=[self.hosting_address()])
        elif where == "far":
            step.update(hosting="farhost", addresses=[f"192.0.2.{70 + len(self.sites)}"])
        else:
            step.update(cdn="nimbus", edges=[where])
            self.edge_sites[where].append(name)
        step.update(extra)
        self.sites.append(step)
        self.cases.append({"url": f"{scheme}://{name}/", "role": role, "kind": kind, "isp": isp})
        return name

    # -- the world -----------------------------------------------------------------------
    def make(self) -> Mystery:
        rng = self.rng
        names = list(rng.sample(ISP_NAMES, self.n))
        self.isp_names = names
        self.probes = [f"probe-{name}" for name in names]
        self.networks(names)
        self.behind_gateway = set(names[:2]) if self.gateway else set()
        self.place_rules()
        self.decoys()
        for _ in range(rng.randint(2, 3)):  # legal sites with nothing to do with any rule
            self.add_site(
                self.legal_name(), where=rng.choice([2, 3, "hosting"]), role="legal",
                kind="legal", scheme=rng.choice(["https", "https", "http"]),
            )  # fmt: skip
        # bystanders on the blocked edges: every address rule has sites that share it
        for edge in (0, 1):
            for _ in range(rng.randint(1, 2)):
                self.add_site(
                    self.legal_name(), where=edge, role="bystander", kind=self.edge_kind[edge],
                    scheme=rng.choice(["https", "http"]), isp=self.edge_isp[edge],
                )  # fmt: skip
        steps = self.steps + self.sites + self.after_sites() + self.clients + self.rules
        recipe = {"seed": self.seed, "steps": steps}
        cases = sorted(self.cases, key=lambda c: c["url"])
        rng.shuffle(cases)
        return Mystery(
            seed=self.seed,
            recipe=recipe,
            isps=tuple(names),
            probes=tuple(self.probes),
            urls=tuple(c["url"] for c in cases),
            cases=tuple(cases),
        )

    def networks(self, names: list[str]) -> None:
        rng = self.rng
        steps = self.steps
        for k, name in enumerate(names):
            base = 64 * k
            steps.append(
                {
                    "do": "isp",
                    "name": name,
                    "prefixes": [f"198.18.{base}.0/18"],
                    "resolver_address": f"198.18.{base + 63}.53",
                    "blockpage_address": f"198.18.{base + 63}.80",
                    "blockpage_name": f"blocked.{name}.example",
                    "asn": 64600 + k,
                    "latency": round(rng.uniform(0.006, 0.012), 4),
                }
            )
        if self.gateway:
            steps.append(
                {"do": "gateway", "name": "natgw", "isps": names[:2], "prefixes": ["198.18.192.0/24"],
                 "asn": 64610},
            )  # fmt: skip
        steps += [
            {"do": "cdn", "name": "nimbus", "prefixes": ["203.0.113.0/24"],
             "edge_addresses": [[a] for a in _EDGES], "asn": 64501},
            {"do": "cdn", "name": "nimbus-es", "prefixes": ["198.19.64.0/24"],
             "edge_addresses": [[_REGIONAL_EDGE]], "asn": 64520},
            {"do": "hosting", "name": "hostco", "prefixes": ["192.0.2.128/25"], "asn": 64502},
            {"do": "hosting", "name": "farhost", "prefixes": ["192.0.2.64/26"], "asn": 64505,
             "latency": round(rng.uniform(0.3, 0.4), 3)},
            {"do": "resolver", "name": "openresolve", "prefixes": ["198.51.100.0/24"],
             "address": PUBLIC_RESOLVER, "doh_name": "dns.resolver.example", "asn": 64503},
            {"do": "network", "name": "lab", "kind": "control", "prefixes": ["198.19.0.0/24"],
             "asn": 64504},
        ]  # fmt: skip
        self.clients = [{"do": "control", "name": "control", "network": "lab",
                         "resolver": PUBLIC_RESOLVER}]  # fmt: skip
        self.clients += [
            {"do": "client", "name": p, "network": n}
            for p, n in zip(self.probes, names, strict=True)
        ]

    # -- rules -------------------------------------------------------------------------------
    def placements(self, isp: str, mechanism: str) -> list[str]:
        if mechanism == "dns-resolver":
            return ["resolver"]
        places = ["isp"]
        if self.line:
            places.append("line")
        if isp in self.behind_gateway:
            places.append("gateway")
        return places

    def at(self, isp: str, place: str):
        if place == "line":
            return {"line": self.probes[self.isp_names.index(isp)]}
        if place == "gateway":
            return "natgw"
        return isp

    def place_rules(self) -> None:
        rng = self.rng
        mechanisms = list(MECHANISM_KINDS)
        rng.shuffle(mechanisms)
        # the rules a traceroute can find come first, so that they meet every place
        mechanisms.sort(key=lambda m: m not in LOCATED_KINDS)
        # each ISP gets a share; with one ISP, all of them
        owners = {m: self.isp_names[i % self.n] for i, m in enumerate(mechanisms)}
        # places: packet rules cover every place the world has, at least once
        places: dict[str, str] = {}
        wanted = ["isp"] + (["line"] if self.line else []) + (["gateway"] if self.gateway else [])
        packet = [m for m in mechanisms if m != "dns-resolver"]
        for m in packet:
            options = self.placements(owners[m], m)
            missing = [p for p in wanted if p in options and p not in places.values()]
            places[m] = missing[0] if missing else rng.choice(options)
        if all(places[m] == "line" for m in ("ip-drop", "ip-reset")):
            # an address rule away from the line, always: its SYNs meet a router first
            places["ip-reset"] = "isp"
        places["dns-resolver"] = "resolver"
        modes = ["exact", "suffix", "substring"]
        rng.shuffle(modes)
        name_modes = dict(zip(["sni-drop", "sni-reset", "http-blockpage"], modes, strict=True))
        self.edge_kind, self.edge_isp = {}, {}
        for m in mechanisms:
            isp = owners[m]
            place = places[m]
            at = self.at(isp, "isp" if place == "resolver" else place)
            getattr(self, "rule_" + m.replace("-", "_"))(isp, at, name_modes.get(m))

    def rule(self, at, rule: str, entries: list[str], match: str = "exact", **options) -> None:
        step = {"do": "rule", "at": at, "rule": rule, "entries": entries, "match": match}
        if options:
            step["options"] = options
        self.rules.append(step)

    def rule_dns_resolver(self, isp, at, _mode):
        rng = self.rng
        for chosen in self.resolver_rules:
            name = self.add_site(
                f"{self.target_word()}.example", where=rng.choice([2, 3, "hosting"]),
                role="target", kind="dns-resolver", isp=isp, scheme=rng.choice(["https", "http"]),
            )  # fmt: skip
            rule = rng.choice(RESOLVER_RULES)
            self.rule(at, chosen or rule, [name], rng.choice(["exact", "suffix"]))

    def rule_dns_injection(self, isp, at, _mode):
        for chosen in self.injection_rules:
            self._injection(isp, at, chosen)

    def _injection(self, isp, at, chosen):
        rng = self.rng
        name = self.add_site(
            f"{self.target_word()}.example", where=rng.choice([2, 3, "hosting"]), role="target",
            kind="dns-injection", isp=isp, scheme=rng.choice(["https", "http"]),
        )  # fmt: skip
        spoof = rng.random() < 0.6
        if chosen is not None:
            spoof = chosen == "SpoofDNSOnQName"
        if spoof:
            forged = rng.choice(["10.10.34.34", "10.10.34.36", "198.18.255.1"])
            self.rule(
                at, "SpoofDNSOnQName", [name], rng.choice(["exact", "suffix"]), address=forged
            )
        else:
            self.rule(at, "SpoofNXDomainOnQName", [name], rng.choice(["exact", "suffix"]))

    def _ip(self, isp, at, rule, edge, kind):
        name = self.add_site(
            f"{self.target_word()}.example", where=edge, role="target", kind=kind, isp=isp,
            scheme=self.rng.choice(["https", "https", "http"]),
        )  # fmt: skip
        self.edge_kind[edge], self.edge_isp[edge] = kind, isp
        self.rule(at, rule, [_EDGES[edge]])
        return name

    def rule_ip_drop(self, isp, at, _mode):
        self._ip(isp, at, "DropOnIP", 0, "ip-drop")

    def rule_ip_reset(self, isp, at, _mode):
        self._ip(isp, at, "ResetOnIP", 1, "ip-reset")

    def _name_rule(self, isp, at, rule, kind, mode, scheme):
        rng = self.rng
        word = self.target_word()
        name = self.add_site(
            f"{word}.example", where=rng.choice([2, 3]), role="target", kind=kind, isp=isp,
            scheme=scheme,
        )  # fmt: skip
        if mode == "substring":
            entries = [word]
            bystander = f"{rng.choice(_BYSTANDER_PREFIXES)}{word}.example"
            self.add_site(bystander, where=rng.choice([2, 3, "hosting"]), role="bystander",
                          kind=kind, isp=isp, scheme=scheme)  # fmt: skip
        else:
            entries = [name]
            sub = f"{rng.choice(['live', 'www', 'hd', 'm'])}.{name}"
            # under the name: blocked with suffix matching, spared with exact matching
            role = "bystander" if mode == "suffix" else "legal"
            self.add_site(sub, where=rng.choice([2, 3]), role=role,
                          kind=kind if mode == "suffix" else "legal", isp=isp, scheme=scheme)  # fmt: skip
        return entries

    def rule_sni_drop(self, isp, at, mode):
        entries = self._name_rule(isp, at, "DropOnSNI", "sni-drop", mode, "https")
        self.rule(at, "DropOnSNI", entries, mode)

    def rule_sni_reset(self, isp, at, mode):
        entries = self._name_rule(isp, at, "ResetOnSNI", "sni-reset", mode, "https")
        self.rule(at, "ResetOnSNI", entries, mode)

    def rule_http_blockpage(self, isp, at, mode):
        entries = self._name_rule(isp, at, "BlockpageOnHost", "http-blockpage", mode, "http")
        status = self.rng.choice([451, 451, 403])
        self.rule(at, "BlockpageOnHost", entries, mode, status=status)

    def rule_throttle(self, isp, at, _mode):
        rng = self.rng
        rate = rng.choice([64_000, 128_000, 192_000])
        size = int(rate * rng.uniform(2.0, 3.0) / 8)  # 2 to 3 s at that rate
        word = self.target_word()
        if rng.random() < 0.5:
            name = self.add_site(f"{word}.example", where="hosting", role="target",
                                 kind="throttle", isp=isp, size=size)  # fmt: skip
            address = self.sites[-1]["addresses"][0]
            self.rule(at, "ThrottleOnIP", [address], rate=rate)
        else:
            name = self.add_site(f"{word}.example", where=rng.choice([2, 3]), role="target",
                                 kind="throttle", isp=isp, size=size)  # fmt: skip
            self.rule(at, "ThrottleOnSNI", [name], rate=rate)

    # -- decoys ------------------------------------------------------------------------------
    def decoys(self) -> None:
        rng = self.rng
        # a server that is down: the name leads to a machine where nothing listens
        down = self.legal_name()
        self.down = (down, self.hosting_address())
        self.cases.append({"url": f"{rng.choice(['https', 'http'])}://{down}/", "role": "decoy",
                           "kind": "down", "isp": None})  # fmt: skip
        self.add_site(self.legal_name(), where="hosting", role="decoy", kind="expired",
                      certificate="expired")  # fmt: skip
        self.add_site(self.legal_name(), where=rng.choice([2, 3, "hosting"]), role="decoy",
                      kind="error-page", status=500, scheme=rng.choice(["https", "http"]))  # fmt: skip
        gone = f"{rng.choice(['old', 'new', 'my', 'the'])}{self.legal.pop()}.example"
        self.cases.append({"url": f"https://{gone}/", "role": "decoy", "kind": "no-such-name",
                           "isp": None})  # fmt: skip
        self.add_site(self.legal_name(), where="far", role="decoy", kind="slow",
                      size=rng.randint(40_000, 60_000))  # fmt: skip
        # a CDN that answers one ISP's resolver with other addresses (lesson 06)
        name = self.add_site(self.legal_name(), where=2, role="decoy", kind="regional")
        isp = rng.choice(self.isp_names)
        same_as = rng.random() < 0.5
        if self.regional_kind is not None:
            same_as = self.regional_kind == "same-as"
        if same_as:
            elsewhere = _EDGES[3]  # another edge of the same CDN: the same AS
        else:
            elsewhere = _REGIONAL_EDGE  # a regional CDN with an AS of its own, serving it
        self.regional = (isp, name, elsewhere)

    def after_sites(self) -> list[dict]:
        """The steps that need the sites built: the bare host, the regional view."""
        name, address = self.down
        host = name.split(".")[0] + "-server"
        out = [
            {"do": "host", "name": host, "network": "hostco", "addresses": [address]},
            {"do": "zone", "name": name, "addresses": [address], "ttl": 3600},
        ]
        isp, site, elsewhere = self.regional
        if elsewhere == _REGIONAL_EDGE:
            out.append({"do": "serve", "site": site, "cdn": "nimbus-es"})
        out.append(
            {"do": "regional", "isp": isp, "answers": {site: [elsewhere]}, "address": "192.0.2.54"}
        )
        return out

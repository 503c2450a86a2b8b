"""A world written as data: a recipe of builder steps, in plain JSON-ready values (lab 04).

Theory of operation
-------------------
A lab that asks a student to find an unknown censor must build a world the student's code
cannot read. :mod:`censorsim.measure.blackbox` does that by building it in another
process, and what crosses to that process must be data, never code: a recipe. A recipe is
a dict with a ``seed`` and a list of ``steps``; each step is a dict whose ``"do"`` names a
builder of :mod:`censorsim.worlds.builders` (or of :class:`~censorsim.worlds.World`) and
whose other keys are that builder's arguments::

    {"seed": 7, "steps": [
        {"do": "isp", "name": "movinet", "prefixes": ["198.18.0.0/16"],
         "resolver_address": "198.18.255.53", "blockpage_address": "198.18.255.80"},
        {"do": "cdn", "name": "nimbus", "prefixes": ["203.0.113.0/24"],
         "edge_addresses": [["203.0.113.10"], ["203.0.113.11"]]},
        {"do": "site", "name": "bakery.example", "title": "La Espiga", "cdn": "nimbus",
         "edges": [0]},
        {"do": "client", "name": "alice", "network": "movinet"},
        {"do": "rule", "at": "movinet", "rule": "ResetOnSNI",
         "entries": ["bakery.example"], "match": "exact"},
    ]}

The steps (:data:`STEPS` lists each one's keys):

========== =======================================================================
``isp``     :func:`~censorsim.worlds.builders.add_isp`
``cdn``     :func:`~censorsim.worlds.builders.add_cdn`
``hosting`` :func:`~censorsim.worlds.builders.add_hosting`
``resolver`` :func:`~censorsim.worlds.builders.add_resolver` (the first is the world's
            public resolver)
``network`` ``world.add_network`` (a control network, say)
``gateway`` ``world.add_gateway``: a national gateway in front of ISPs, with a censor
``site``    a :class:`~censorsim.Site` on a CDN (``cdn`` and ``edges``) or at a hosting
            company (``hosting`` and ``addresses``); ``size`` pads the page to that many
            bytes of text (a heavy page, where throttling shows); ``certificate``
            breaks its certificate (``"expired"``...)
``serve``   a CDN's edges serve a site already built elsewhere too (no DNS change: a
            regional name server can send a region there)
``host``    a computer that serves nothing (a site whose server is down), at ``addresses``
``zone``    a DNS record: ``name``, ``addresses``, ``ttl``
``regional`` an ISP's resolver gets its answers from a regional name server that gives
            other addresses for some names (a CDN that answers each region differently,
            lesson 06): ``isp``, ``answers`` (name -> addresses), ``address``
``client``  ``world.client(name, network, **options)``
``control`` the same, and it becomes ``world.control``
``rule``    a censor rule of :data:`censorsim.censors.RULES` by class name, with a
            :class:`~censorsim.Blocklist` of ``entries`` matched as ``match``, and the
            rule's own ``options`` (``rate``, ``status``, ``address``, ``ttl``...), added
            ``at`` a network's censor (an ISP or a gateway) or ``{"line": client}``, on one
            subscriber's access link (the client must exist already)
========== =======================================================================

Everything is checked, and a mistake is reported with the step's number and what was
expected. :func:`build` never runs code from a recipe, only the builders.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping

from censorsim.blocklist import MATCH_MODES, Blocklist
from censorsim.censors import RULES
from censorsim.censors import dns as _dns_rules
from censorsim.censors import http as _http_rules
from censorsim.censors import ip as _ip_rules
from censorsim.censors import sni as _sni_rules
from censorsim.censors.engine import CensorEngine
from censorsim.protocols.dns import AuthoritativeServer, Zone
from censorsim.protocols.web import Site
from censorsim.worlds.builders import (
    add_cdn,
    add_hosting,
    add_isp,
    add_resolver,
    new_world,
)
from censorsim.worlds.world import World

__all__ = ["build", "STEPS", "RegionalZone", "check_recipe"]

_RULE_CLASSES = {
    name: getattr(module, name)
    for module in (_dns_rules, _ip_rules, _sni_rules, _http_rules)
    for name in module.__all__
    if name in {n for names in RULES.values() for n in names}
}
# rules made from something else than one block list
_NOT_A_LIST = {"DropOnPort", "DropOnECH", "ResetOnECH"}

#: Every step, with its required and optional keys.
STEPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "isp": (
        ("name", "prefixes", "resolver_address"),
        ("blockpage_address", "blockpage_name", "latency", "access_latency", "asn"),
    ),
    "cdn": (("name", "prefixes", "edge_addresses"), ("latency", "asn")),
    "hosting": (("name", "prefixes"), ("latency", "asn")),
    "resolver": (("name", "prefixes", "address"), ("doh_name", "latency", "asn")),
    "network": (("name", "kind", "prefixes"), ("latency", "access_latency", "asn")),
    "gateway": (("name", "isps", "prefixes"), ("latency", "asn")),
    "site": (
        ("name",),
        (
            "title",
            "text",
            "size",
            "status",
            "certificate",
            "cdn",
            "edges",
            "hosting",
            "addresses",
            "ttl",
        ),
    ),
    "serve": (("site", "cdn"), ()),
    "host": (("name", "network", "addresses"), ()),
    "zone": (("name", "addresses"), ("ttl",)),
    "regional": (("isp", "answers", "address"), ("ttl",)),
    "client": (("name", "network"), ("resolver", "ip_version")),
    "control": (("name", "network"), ("resolver",)),
    "rule": (("at", "rule", "entries"), ("match", "options")),
}


class RegionalZone(Zone):
    """The answers a CDN's name servers give one region: the world's records, except for
    the names listed, which get that region's addresses (lesson 06, section 3)."""

    def __init__(self, world_zone: Zone, answers: Mapping[str, list], ttl: int = 60):
        super().__init__(world_zone.negative_ttl)
        self.world_zone = world_zone
        self.ttl_ = ttl
        self.answers = {}
        for name, addresses in answers.items():
            self.answers[name.lower().rstrip(".")] = tuple(
                ipaddress.ip_address(a) for a in addresses
            )

    def lookup(self, name: str, rdtype: int):
        if name not in self.answers:
            return self.world_zone.lookup(name, rdtype)
        version = 6 if rdtype == 28 else 4
        found = tuple(a for a in self.answers[name] if a.version == version)
        return 0, self.ttl_, found  # NOERROR


def _plain(value, where: str) -> None:
    """Refuse anything that JSON could not carry (a recipe is data, never objects)."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: a recipe holds plain data only (JSON): {exc}") from None


def check_recipe(recipe: object) -> tuple[int, list[dict]]:
    """``(seed, steps)`` of a well-formed recipe; ValueError naming the first problem."""
    if not isinstance(recipe, dict):
        raise ValueError(f"a recipe is a dict with 'seed' and 'steps', not {type(recipe).__name__}")
    unknown = set(recipe) - {"seed", "steps", "epoch"}
    if unknown:
        raise ValueError(f"recipe: unknown keys {sorted(unknown)}; expected 'seed', 'steps'")
    _plain(recipe, "recipe")
    seed = recipe.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"recipe: seed={seed!r}, expected an int")
    steps = recipe.get("steps")
    if not isinstance(steps, list):
        raise ValueError("recipe: 'steps' must be a list of dicts")
    for number, step in enumerate(steps):
        where = f"recipe step {number}"
        if not isinstance(step, dict) or "do" not in step:
            raise ValueError(f"{where}: expected a dict with a 'do' key, got {step!r}")
        kind = step["do"]
        if kind not in STEPS:
            raise ValueError(f"{where}: unknown step {kind!r}; steps are {sorted(STEPS)}")
        required, optional = STEPS[kind]
        keys = set(step) - {"do"}
        missing = [k for k in required if k not in keys]
        if missing:
            raise ValueError(f"{where} ({kind}): missing {missing}")
        extra = sorted(keys - set(required) - set(optional))
        if extra:
            raise ValueError(
                f"{where} ({kind}): unknown keys {extra}; expected {list(required + optional)}"
            )
    return seed, steps


def build(recipe: dict) -> World:
    """The world a recipe describes (see the module's docstring)."""
    seed, steps = check_recipe(recipe)
    options = {"epoch": recipe["epoch"]} if "epoch" in recipe else {}
    world = new_world(seed, **options)
    cdns: dict = {}
    hostings: dict = {}
    lines: dict[str, CensorEngine] = {}
    for number, step in enumerate(steps):
        kind = step["do"]
        args = {k: v for k, v in step.items() if k != "do"}
        try:
            _STEP_BUILDERS[kind](world, args, cdns, hostings, lines)
        except (ValueError, TypeError, KeyError) as exc:
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            raise ValueError(f"recipe step {number} ({kind}): {message}") from None
    if world.cdn is None and cdns:
        world.cdn = next(iter(cdns.values()))
    if world.hosting is None and hostings:
        world.hosting = next(iter(hostings.values()))
    return world


# -- the steps -------------------------------------------------------------------------------
def _isp(world, args, *_):
    add_isp(world, **args)


def _cdn(world, args, cdns, *_):
    cdns[args["name"]] = add_cdn(world, **args)


def _hosting(world, args, _cdns, hostings, *_):
    hostings[args["name"]] = add_hosting(world, **args)


def _resolver(world, args, *_):
    host = add_resolver(world, **args)
    if world.public_resolver is None:
        world.public_resolver = host


def _network(world, args, *_):
    name, kind, prefixes = args.pop("name"), args.pop("kind"), args.pop("prefixes")
    if kind in ("isp", "gateway"):
        raise ValueError(f"kind={kind!r}: use the '{kind}' step")
    world.add_network(name, kind, prefixes, **args)


def _gateway(world, args, *_):
    world.add_gateway(args.pop("name"), args.pop("isps"), args.pop("prefixes"), **args)


def _site(world, args, cdns, hostings, *_):
    name = args["name"]
    size = args.get("size")
    text = args.get("text", "")
    if size is not None:
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= 10_000_000:
            raise ValueError(f"size={size!r}: expected a number of bytes up to 10,000,000")
        filler = " Lorem ipsum dolor sit amet."
        text = (text + filler * (size // len(filler) + 1))[:size]
    site = Site(
        name,
        args.get("title", name),
        text,
        status=args.get("status", 200),
        certificate=args.get("certificate"),
    )
    ttl = args.get("ttl")
    if "cdn" in args:
        if "hosting" in args or "addresses" in args:
            raise ValueError("a site is on a cdn (with edges) or at a hosting (with addresses)")
        cdn = cdns.get(args["cdn"])
        if cdn is None:
            raise ValueError(f"no cdn {args['cdn']!r}; cdns are {sorted(cdns)}")
        edges = args.get("edges", [0])
        for edge in edges:
            if (
                isinstance(edge, bool)
                or not isinstance(edge, int)
                or not 0 <= edge < len(cdn.edges)
            ):
                raise ValueError(f"edge {edge!r}: expected 0 to {len(cdn.edges) - 1}")
        cdn.add_site(site, edges=tuple(edges), ttl=300 if ttl is None else ttl)
    elif "hosting" in args:
        if "edges" in args:
            raise ValueError("'edges' are for a site on a cdn")
        hosting = hostings.get(args["hosting"])
        if hosting is None:
            raise ValueError(f"no hosting {args['hosting']!r}; hostings are {sorted(hostings)}")
        hosting.add_site(site, args.get("addresses"), ttl=3600 if ttl is None else ttl)
    else:
        raise ValueError("say where the site is: 'cdn' (and 'edges') or 'hosting'")


def _serve(world, args, cdns, *_):
    cdn = cdns.get(args["cdn"])
    if cdn is None:
        raise ValueError(f"no cdn {args['cdn']!r}; cdns are {sorted(cdns)}")
    site = world.site(args["site"])
    for server in cdn.servers:
        server.add_site(site)


def _host(world, args, *_):
    world.add_host(args["name"], args["network"], args["addresses"])


def _zone(world, args, *_):
    world.zone.add(args["name"], args["addresses"], ttl=args.get("ttl", 300))


def _regional(world, args, *_):
    isp = world.network(args["isp"])
    resolver_host = getattr(isp, "resolver", None)
    if resolver_host is None:
        raise ValueError(f"network {args['isp']!r} has no resolver")
    answers = args["answers"]
    if not isinstance(answers, dict) or not answers:
        raise ValueError("answers: expected a dict of name -> list of addresses")
    zone = RegionalZone(world.zone, answers, ttl=args.get("ttl", 60))
    server = world.add_host(
        f"{isp.name}-regional-ns", world.authoritative.network, [args["address"]]
    )
    AuthoritativeServer(server, zone)
    resolver_host.resolver.upstream = server.address


def _client(world, args, *_):
    name, network = args.pop("name"), args.pop("network")
    world.client(name, network, **args)


def _control(world, args, *_):
    name, network = args.pop("name"), args.pop("network")
    world.control = world.client(name, network, **args)


def _rule(world, args, _cdns, _hostings, lines):
    name = args["rule"]
    cls = _RULE_CLASSES.get(name)
    if cls is None or name in _NOT_A_LIST:
        known = sorted(set(_RULE_CLASSES) - _NOT_A_LIST)
        raise ValueError(f"rule {name!r}: expected one of {known}")
    match = args.get("match", "exact")
    if match not in MATCH_MODES:
        raise ValueError(f"match={match!r}: expected one of {MATCH_MODES}")
    options = args.get("options", {})
    if not isinstance(options, dict):
        raise ValueError(f"options={options!r}: expected a dict of the rule's keyword arguments")
    rule = cls(Blocklist(args["entries"], match=match), **options)
    at = args["at"]
    if isinstance(at, dict):
        if set(at) != {"line"}:
            raise ValueError(f"at={at!r}: expected a network's name or {{'line': <client>}}")
        client = at["line"]
        engine = lines.get(client)
        if engine is None:
            if client not in world.clients:
                raise ValueError(f"no client {client!r} (add it with a 'client' step first)")
            engine = world.place_censor(CensorEngine(f"{client}-line"), client=client)
            lines[client] = engine
    else:
        engine = world.network(at).censor
        if engine is None:
            raise ValueError(f"network {at!r} has no censor (an isp or a gateway has one)")
    engine.add(rule)


_STEP_BUILDERS = {
    "isp": _isp,
    "cdn": _cdn,
    "hosting": _hosting,
    "resolver": _resolver,
    "network": _network,
    "gateway": _gateway,
    "site": _site,
    "serve": _serve,
    "host": _host,
    "zone": _zone,
    "regional": _regional,
    "client": _client,
    "control": _control,
    "rule": _rule,
}

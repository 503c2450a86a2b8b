"""Fuzzing of the whole: random worlds, rules, clients and URLs, and what must always hold.

Invariants, for any world hypothesis builds:

* nothing escapes ``fetch`` but a documented input error (``ValueError``/``TypeError``
  for a URL that is not one), and a fetch's failure is one of ``cs.FAILURES``;
* the clock stays finite and never goes back;
* a fetch's trace holds only its own flows: no connection or DNS exchange of one fetch's
  trace shows up in the next one's (a server still retransmitting to a client that gave
  up stays out), and no event of it happened before the fetch began;
* a rule never makes the engine raise, whatever the packet.

``make fuzz`` runs many more examples (``WORLD_FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import math
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import censorsim as cs
from censorsim import Blocklist

EXAMPLES = int(os.environ.get("WORLD_FUZZ_EXAMPLES", "30"))
SITES = ("futbol-stream.example", "bakery.example", "pay.example", "school.example",
         "news.example", "blog.example", "dns.resolver.example")  # fmt: skip
ADDRESSES = ("203.0.113.10", "203.0.113.11", "203.0.113.12", "192.0.2.140", "198.51.100.53",
             "203.0.113.0/24", "2001:db8:cd::10", "2001:db8:cd::/48", "198.18.255.53")  # fmt: skip


@st.composite
def name_lists(draw):
    mode = draw(st.sampled_from(["exact", "suffix", "substring", "regex"]))
    pool = list(SITES) + ["example", "stream", "t.co", "e", "no-such.example"]
    names = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4, unique=True))
    if mode == "regex":
        names = [n.replace(".", r"\.") for n in names]
    if mode == "exact" or mode == "suffix":
        names = [n for n in names if "." in n] or ["bakery.example"]
    return Blocklist(names, match=mode)


@st.composite
def rules(draw):
    names = draw(name_lists())
    addresses = Blocklist(draw(st.lists(st.sampled_from(ADDRESSES), min_size=1, max_size=3)))
    kind = draw(st.sampled_from([r for layer in cs.censors.RULES.values() for r in layer]))
    cls = getattr(cs, kind)
    if kind.endswith("OnIP"):
        return cls(addresses)
    if kind.endswith("OnECH"):
        return cls(draw(st.sampled_from([None, names])))
    if kind == "DropOnPort":
        return cls(
            draw(st.sampled_from([[443], [53], [443, 80]])), draw(st.sampled_from(["udp", "tcp"]))
        )
    return cls(names)


@st.composite
def urls(draw):
    scheme = draw(st.sampled_from(["http", "https"]))
    host = draw(st.sampled_from([*SITES, "no-such.example", "203.0.113.10", "[2001:db8:cd::12]"]))
    port = draw(st.sampled_from(["", "", ":443", ":80", ":8443"]))
    path = draw(st.sampled_from(["/", "/a?b=c", "/%20"]))
    return f"{scheme}://{host}{port}{path}"


clients = st.fixed_dictionaries(
    {
        "ip_version": st.sampled_from([4, 6, "dual"]),
        "resolver": st.sampled_from(["isp", "198.51.100.53", "https://dns.resolver.example/dns-query"]),
        "split_hello": st.sampled_from([None, None, "sni", 7]),
        "dns_cache": st.booleans(),
        "ech": st.booleans(),
        "hello_records": st.sampled_from([None, None, "sni", 40]),
        "http3": st.booleans(),
    }
)  # fmt: skip


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    seed=st.integers(0, 2**16),
    rule_list=st.lists(rules(), max_size=4),
    reassemble=st.booleans(),
    gateway=st.booleans(),
    options=clients,
    fetches=st.lists(urls(), min_size=1, max_size=4),
    pauses=st.lists(st.floats(0, 400, allow_nan=False), min_size=4, max_size=4),
)
def test_no_world_breaks(seed, rule_list, reassemble, gateway, options, fetches, pauses):
    world = cs.worlds.football_night(seed=seed)
    engine = world.isp.censor
    if gateway:
        engine = world.add_gateway("gw", [world.isp], ["198.19.250.0/24"]).censor
    engine.reassemble = reassemble
    for rule in rule_list:
        try:
            engine.add(rule)
        except ValueError as exc:  # a block-page rule where there is no block page
            assert "block-page" in str(exc)
    client = world.client("fuzzy", **options)
    previous: set = set()
    last = world.now
    for url, pause in zip(fetches, pauses, strict=False):
        world.advance(pause)
        r = client.fetch(url)
        assert r.failure is None or r.failure in cs.FAILURES, r.failure
        assert r.ok == (r.failure is None and r.status is not None and 200 <= r.status < 300)
        assert math.isfinite(world.now) and world.now >= last
        flows = {_flow(e.packet) for e in r.trace.events if e.packet.proto != "icmp"}
        assert not flows & previous, f"flows of an earlier fetch: {flows & previous}"
        assert all(e.time >= r.started for e in r.trace.events)
        previous = flows
        last = world.now
    # and the world still works for someone else
    assert world.control.fetch("https://news.example/").ok


def _flow(p) -> tuple:
    ends = sorted([(str(p.src), p.sport), (str(p.dst), p.dport)])
    return (p.proto, *ends)


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    url=st.one_of(
        st.text(max_size=40),
        st.builds(lambda h: f"https://{h}/", st.text(max_size=20)),
        st.sampled_from(["https://:0/", "http://[::1", "ftp://x.example/", "https://a..b/"]),
    )
)
def test_any_url_gives_a_result_or_a_documented_error(url):
    world = cs.worlds.football_night()
    try:
        r = world.client("a").fetch(url)
    except (ValueError, TypeError) as exc:
        assert str(exc)  # a message that says what is wrong
        return
    assert r.failure is None or r.failure in cs.FAILURES

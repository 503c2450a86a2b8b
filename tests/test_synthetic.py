"""The synthetic internet of lesson 05: its names and addresses, the vectorised matching
(identical to ``Blocklist.matches``), the outcome of block orders, agreement with the
packet simulator name by name, the timelines and the parameters' documentation."""

from __future__ import annotations

import ipaddress
import re

import numpy as np
import pytest

import censorsim as cs
from censorsim import Blocklist
from censorsim.worlds import BlockOrder, SyntheticParameters, synthetic_internet
from censorsim.worlds.synthetic import CATEGORIES, HOSTING_KINDS

# a small internet whose every part still exists: a packet-level world of it takes ~0.1 s
SMALL = dict(
    infringing_services=6,
    infringing_reserve=3,
    platforms=2,
    platform_hostnames=8,
    platform_frontends=2,
    cdn_pairs=(8, 4, 3, 2),
    shared_providers=3,
    dedicated_providers=4,
    leasing_providers=2,
    shared_size_median=3.0,
)


@pytest.fixture(scope="module")
def mid():
    """20,000 names: big enough for every kind of name, small enough to compare with
    Blocklist.matches name by name."""
    return synthetic_internet(20_000, seed=3)


def _texts(internet) -> list[str]:
    return [internet.name(r) for r in range(internet.size)]


def _addresses4(internet) -> list[ipaddress.IPv4Address]:
    return [ipaddress.IPv4Address(int(a)) for a in internet.addr4]


def _addresses6(internet) -> list[ipaddress.IPv6Address]:
    return [
        ipaddress.IPv6Address((int(h) << 64) | int(lo))
        for h, lo in zip(internet.addr6_hi, internet.addr6_lo, strict=True)
    ]


# -- the world -----------------------------------------------------------------------------------
def test_names_are_valid_unique_and_found_again(mid):
    texts = _texts(mid)
    assert len(set(texts)) == mid.size
    assert all(cs.normalize_name(t) == t for t in texts)
    sample = texts[::997]
    assert mid.rows(sample).tolist() == list(range(0, mid.size, 997))
    assert mid.rows(["nowhere.example", "x" * 60 + "." + "y" * 60 + ".example"]).tolist() == [
        -1,
        -1,
    ]
    assert mid.row(texts[5].upper() + ".") == 5
    with pytest.raises(KeyError, match="nowhere.example"):
        mid.row("nowhere.example")


def test_every_kind_of_name_and_hosting_is_there(mid):
    live = mid.active
    assert live.sum() == 20_000 and not live[20_000:].any()
    assert set(np.unique(mid.hosting[live])) == set(range(len(HOSTING_KINDS)))
    assert set(np.unique(mid.category[live])) == set(range(len(CATEGORIES)))
    assert np.isclose(mid.weight[:20_000].sum(), 1.0)
    assert (np.diff(mid.weight[:20_000]) <= 0).all()  # row order is rank order
    # every existing name has IPv4; host names under a platform exist, dotted ones too
    assert (mid.v4[live, 0] >= 0).all()
    assert any(t.startswith("drive.usercontent.") for t in _texts(mid))
    # the infringing services' names: <brand>-<label>[n].example, on a CDN or a lease
    rows = np.flatnonzero((mid.service >= 0) & live)
    assert len(np.unique(mid.service[rows])) == 200
    assert all(re.fullmatch(r"[a-z]+-[a-z]+\d*\.example", mid.name(r)) for r in rows)
    assert set(mid.hosting[rows]) == {0, 2}


def test_addresses_are_unique_and_inside_their_providers_prefixes(mid):
    assert len(np.unique(mid.addr4)) == len(mid.addr4)
    v6 = mid.addr6_hi.astype(object) * (1 << 64) + mid.addr6_lo.astype(object)
    assert len(set(v6.tolist())) == len(v6)
    for p in mid.providers:
        nets4 = [ipaddress.ip_network(x) for x in p.v4_prefixes]
        net6 = ipaddress.ip_network(p.v6_prefix)
        for a in np.flatnonzero(mid.addr4_provider == p.index)[:50]:
            assert any(ipaddress.IPv4Address(int(mid.addr4[a])) in n for n in nets4)
        for a in np.flatnonzero(mid.addr6_provider == p.index)[:50]:
            assert ipaddress.IPv6Address(mid._v6_text(a)) in net6
    everything = [ipaddress.ip_network(x) for p in mid.providers for x in p.v4_prefixes]
    for i, a in enumerate(everything):
        assert a.subnet_of(ipaddress.ip_network("10.0.0.0/8"))
        assert not a.overlaps(ipaddress.ip_network("10.10.0.0/16"))  # SpoofDNS's 10.10.34.34
        assert not any(a.overlaps(b) for b in everything[i + 1 :])


def test_a_cdn_customer_gets_a_pair_shared_with_its_neighbours(mid):
    rows = np.flatnonzero((mid.hosting == 0) & (mid.provider == 0) & mid.active)
    busiest = np.bincount(mid.v4[rows, 0]).argmax()  # the pair most customers share
    row = int(rows[mid.v4[rows, 0] == busiest][0])
    addresses = mid.addresses(row)
    assert len(addresses) in (2, 4)  # two IPv4, and two IPv6 when it has IPv6
    neighbours = mid.neighbours(mid.name(row), limit=None)
    assert len(neighbours) > 10 and mid.name(row) not in set(neighbours["name"])
    assert all(set(a.split()) & set(addresses) for a in neighbours["addresses"])


def test_the_same_seed_gives_the_same_world_and_a_parameter_changes_only_its_part():
    a = synthetic_internet(5_000, seed=7)
    b = synthetic_internet(5_000, seed=7)
    for name in ("names", "weight", "category", "hosting", "v4", "v6", "addr4", "addr6_lo"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    c = synthetic_internet(5_000, seed=7, cdn_share=0.4)
    assert np.array_equal(a.names, c.names) and np.array_equal(a.category, c.category)
    assert (c.hosting[c.active] == 0).mean() > (a.hosting[a.active] == 0).mean() + 0.1
    assert not np.array_equal(a.names, synthetic_internet(5_000, seed=8).names)


@pytest.mark.slow
def test_a_million_names_match_the_measurements_the_parameters_stand_for():
    """The calibrated parameters give the figures they are calibrated to (at 1M names)."""
    figures = synthetic_internet(1_000_000, seed=0).calibration()["this world"].tolist()
    one_to_one, over_100, largest_cdn, ipv6, top4, top20 = figures
    assert 0.18 < one_to_one < 0.23  # Hoang et al.: 20 %
    assert 0.26 < over_100 < 0.34  # Hoang et al.: 30 %
    assert 0.18 < largest_cdn < 0.22  # heise: almost one in five
    assert 0.33 < ipv6 < 0.41  # Common Crawl: 36.9 %
    assert 0.02 < top4 < top20 < 0.10  # OONI 2026: 4.3 % with 4-20 addresses


# -- matching: vectorised == Blocklist.matches ---------------------------------------------------
def _name_entries(internet, rng, mode: str) -> list[str]:
    texts = _texts(internet)
    picks = [texts[i] for i in rng.choice(len(texts), 40, replace=False)]
    if mode in ("exact", "suffix"):
        hosts = [t for t in texts if t.count(".") >= 2]
        parents = [t.split(".", 1)[1] for t in rng.choice(hosts, 10).tolist()]
        dotted = [t for t in texts if t.startswith("drive.usercontent.")]
        return [
            *picks,
            *parents,
            *(t.split(".", 1)[1] for t in dotted),  # usercontent.<platform>.example
            "example",
            "nowhere.example",
            "ample",  # a suffix inside a label: never matches
            "xample",
            picks[0].upper() + ".",  # normalised by Blocklist
            "www." + picks[1],
        ]
    if mode == "substring":
        fragments = [t[i : i + k] for t in picks[:8] for i, k in ((1, 3), (0, 5))]
        return [*fragments, "gol", "-tv", ".exa", "zz9"]
    return [r"^www\.", r"\d\.example$", r"^(futbol|gol)-", "lla", r"^[A-C]"]  # any case


@pytest.mark.parametrize("mode", ["exact", "suffix", "substring", "regex"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_name_matching_is_blocklist_matching(mid, mode, seed):
    rng = np.random.default_rng(seed)
    entries = _name_entries(mid, rng, mode)
    if seed == 2:
        entries.append("10.16.0.0/16")  # an address entry never matches a name
    bl = Blocklist(entries, match=mode)
    got = mid.match_names(bl)
    expected = np.array([bl.matches(t) for t in _texts(mid)])
    assert np.array_equal(got, expected), [t for t in np.flatnonzero(got != expected)[:5]]
    assert expected.any()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_address_matching_is_blocklist_matching(mid, seed):
    rng = np.random.default_rng(seed)
    four, six = _addresses4(mid), _addresses6(mid)
    entries = [str(four[i]) for i in rng.choice(len(four), 30, replace=False)]
    entries += [str(six[i]) for i in rng.choice(len(six), 30, replace=False)]
    for length in rng.integers(8, 32, 6).tolist():
        entries.append(
            str(ipaddress.ip_network(f"{four[rng.integers(len(four))]}/{length}", strict=False))
        )
    for length in [16, 48, 60, 64, 72, 100, 120, 127]:
        entries.append(
            str(ipaddress.ip_network(f"{six[rng.integers(len(six))]}/{length}", strict=False))
        )
    entries += ["192.0.2.0/24", "2001:db8:ffff::/48", "stream.example"]
    bl = Blocklist(entries, match="suffix")
    hit4, hit6 = mid.match_addresses(bl)
    assert np.array_equal(hit4, np.array([bl.matches(a) for a in four]))
    assert np.array_equal(hit6, np.array([bl.matches(a) for a in six]))
    everything = mid.match_addresses(Blocklist(["0.0.0.0/0", "::/0"]))
    assert everything[0].all() and everything[1].all()


# -- outcomes ------------------------------------------------------------------------------------
def test_a_site_is_down_by_ip_only_when_every_address_the_client_can_use_is_blocked(mid):
    row = int(np.flatnonzero((mid.hosting == 0) & (mid.v6[:, 1] >= 0) & (mid.service < 0))[0])
    name = mid.name(row)
    v4 = [a for a in mid.addresses(row) if ":" not in a]
    v6 = [a for a in mid.addresses(row) if ":" in a]
    one = mid.outcome(BlockOrder(ip=v4[:1]))
    assert one.failure(name) is None and one.degraded[row]
    assert one.wait[row] == pytest.approx(0.25)  # the second address, 250 ms later
    both = mid.outcome(BlockOrder(ip=v4))
    assert both.failure(name) == "tcp:timeout"
    assert both.wait[row] == pytest.approx(15.25)
    assert both.collateral[row] and both.visits_lost > 0
    assert mid.outcome(BlockOrder(ip=v4, ip_action="reset")).failure(name) == "tcp:refused"
    dual = mid.outcome(BlockOrder(ip=v4), "dual")
    assert dual.failure(name) is None and dual.wait[row] == 0  # IPv6 is tried first
    assert not dual.degraded[row]  # and answers before an IPv4 attempt starts
    assert mid.outcome(BlockOrder(ip=v4 + v6), "dual").failure(name) == "tcp:timeout"
    assert mid.outcome(BlockOrder(ip=v4), "v6").failure(name) is None


def test_dns_sni_and_ip_fail_at_their_own_stage_first_one_wins(mid):
    row = int(np.flatnonzero((mid.hosting == 1) & (mid.service < 0) & (mid.parent < 0))[0])
    name, addresses = mid.name(row), mid.addresses(row)
    assert mid.outcome(BlockOrder(dns=[name])).failure(name) == "dns:nxdomain"
    assert mid.outcome(BlockOrder(dns=[name], dns_action="ignore")).wait[row] == 10
    assert mid.outcome(BlockOrder(sni=[name])).failure(name) == "tls:reset"
    assert mid.outcome(BlockOrder(sni=[name], sni_action="drop")).failure(name) == "tls:timeout"
    ip_and_sni = mid.outcome(BlockOrder(ip=addresses, sni=[name]))
    assert ip_and_sni.failure(name) == "tcp:timeout"  # TCP never opens: the SNI is never sent
    all_three = mid.outcome(BlockOrder(dns=[name], ip=addresses, sni=[name]))
    assert all_three.failure(name) == "dns:nxdomain"
    # an exact name rule spares the neighbours; the address rule takes them all
    assert mid.outcome(BlockOrder(sni=[name])).collateral.sum() == 1
    assert mid.outcome(BlockOrder(ip=addresses)).collateral.sum() > 1


def test_ech_hides_cdn_names_from_sni_rules_behind_one_outer_name(mid):
    rows = np.flatnonzero(mid.ech & (mid.service >= 0) & mid.active)
    order = mid.infringing_order(kinds=("sni",))
    plain = mid.outcome(order)
    hidden = mid.outcome(order, ech=True)
    assert plain.failing[rows].all() and not hidden.failing[rows].any()
    outer = mid.outcome(BlockOrder(sni=[mid.ech_name(0)]), ech=True)
    assert outer.failing.sum() == (mid.ech & mid.active & (mid.v4[:, 0] >= 0)).sum()


def test_outcome_tables_and_summary(mid):
    out = mid.outcome(mid.infringing_order(kinds=("ip",)))
    table = out.by_category()
    assert set(table.index) <= set(CATEGORIES)
    assert table.loc["infringing", "share failing"] > 0.5
    assert out.summary()["legal names failing"] == out.collateral.sum() > 0
    top = out.top(5)
    assert len(top) == 5 and list(top["failure"]) == ["tcp:timeout"] * 5
    assert (top["category"] != "infringing").all()
    assert "0x" not in repr(out) and "legal" in repr(out)


def test_bad_input_is_refused_with_the_value_named():
    with pytest.raises(ValueError, match="cdn_share=2"):
        synthetic_internet(1_000, cdn_share=2)
    with pytest.raises(TypeError, match="unknown parameter.*cdn_shares"):
        synthetic_internet(1_000, cdn_shares=0.2)
    with pytest.raises(ValueError, match="n_domains=10"):
        synthetic_internet(10)
    with pytest.raises(ValueError, match="cdn_market"):
        synthetic_internet(1_000, cdn_market=(0.5, 0.5))
    with pytest.raises(ValueError, match="too small"):
        synthetic_internet(500)
    with pytest.raises(ValueError, match="ip holds names"):
        BlockOrder(ip=["stream.example"])
    with pytest.raises(ValueError, match="dns holds addresses"):
        BlockOrder(dns=["10.16.0.1"])
    with pytest.raises(ValueError, match="ip_action='blackhole'"):
        BlockOrder(ip=["10.16.0.1"], ip_action="blackhole")
    with pytest.raises(ValueError, match="one str"):
        BlockOrder(dns="stream.example")
    small = synthetic_internet(300, **SMALL)
    with pytest.raises(IndexError, match="row=99999"):
        small.name(99_999)
    with pytest.raises(TypeError, match="Blocklist"):
        small.match_names(["stream.example"])
    with pytest.raises(ValueError, match="row numbers"):
        small.table([-1])
    with pytest.raises(ValueError, match="client='v5'"):
        small.outcome(BlockOrder(), "v5")
    with pytest.raises(ValueError, match="too many"):
        small.to_world(max_names=100)


def test_the_docstring_examples_hold():
    import doctest

    from censorsim.worlds import synthetic

    result = doctest.testmod(synthetic)
    assert result.attempted >= 4 and result.failed == 0


def test_every_parameter_says_what_it_stands_for_and_its_source():
    table = SyntheticParameters().table()
    assert list(table.index) == list(SyntheticParameters.names())
    assert set(table["basis"]) == {"measured", "calibrated", "assumption"}
    assert (table["source"].str.len() > 10).all() and (table["what it is"].str.len() > 10).all()
    assert repr(SyntheticParameters(cdn_share=0.3)) == "SyntheticParameters(cdn_share=0.3)"


# -- agreement with the packet simulator ---------------------------------------------------------
# every action of every mechanism, across the seeds
ACTIONS = [("nxdomain", "drop", "reset"), ("ignore", "reset", "drop"), ("refused", "drop", "reset")]


def _random_order(internet, rng, dns_action, ip_action, sni_action, outer=False) -> BlockOrder:
    live = np.flatnonzero(internet.active)
    names = [internet.name(r) for r in rng.choice(live, 12, replace=False)]
    parents = [n.split(".", 1)[1] for n in names if n.count(".") >= 2][:2]
    used4 = np.unique(internet.v4[live][internet.v4[live] >= 0])
    used6 = np.unique(internet.v6[live][internet.v6[live] >= 0])
    ip = [
        str(ipaddress.IPv4Address(int(internet.addr4[a])))
        for a in rng.choice(used4, len(used4) // 4, replace=False)
    ]
    ip += [internet._v6_text(a) for a in rng.choice(used6, len(used6) // 4, replace=False)]
    ip.append(str(ipaddress.ip_network(f"{ip[0]}/30", strict=False)))
    sni = names[6:] + ([internet.ech_name(0)] if outer else [])  # ECH's outer name
    return BlockOrder(
        dns=Blocklist(names[:6] + parents, match=str(rng.choice(["exact", "suffix"]))),
        ip=Blocklist(ip),
        sni=Blocklist(sni, match=str(rng.choice(["exact", "suffix"]))),
        dns_action=dns_action,
        ip_action=ip_action,
        sni_action=sni_action,
    )


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_packet_simulator_agrees_name_by_name(seed):
    """Every name of a 300-name internet, fetched through the packet simulator under a
    random block order (DNS, IP and SNI lists, random modes and actions) by IPv4-only,
    dual-stack, IPv6-only and ECH browsers, fails exactly as the vectorised outcome
    says, and no sooner or later than its ``wait``."""
    internet = synthetic_internet(300, seed=seed, **SMALL)
    rng = np.random.default_rng(seed)
    actions = ACTIONS[seed]
    other = "reset" if actions[1] == "drop" else "drop"
    orders = [
        _random_order(internet, rng, *actions, outer=seed == 2),
        BlockOrder(ip=_random_order(internet, rng, *actions).ip, ip_action=other),
    ]
    checked = 0
    for k, order in enumerate(orders):
        world = internet.to_world()
        for rule in order.rules():
            world.isp.censor.add(rule)
        browsers = [("v4", False), ("dual", False), ("v6", False), ("v4", True)]
        for client, ech in browsers if k == 0 else browsers[:2]:
            expected = internet.outcome(order, client, ech=ech)
            failures = expected.failures()
            browser = world.client(
                f"{client}-{'ech' if ech else 'plain'}",
                ip_version={"v4": 4, "dual": "dual", "v6": 6}[client],
                ech=ech,
            )
            for row in np.flatnonzero(internet.active).tolist():
                name = internet.name(row)
                r = browser.fetch(f"https://{name}/")
                if failures[row] == "unreachable":  # no address of the client's family
                    assert not r.ok, (client, name)
                    continue
                assert r.failure == failures[row], (
                    client,
                    name,
                    r.failure,
                    failures[row],
                    r.detail,
                )
                assert r.ok == (failures[row] is None)
                assert expected.wait[row] - 0.01 <= r.elapsed <= expected.wait[row] + 1.0, (
                    client,
                    name,
                    r.elapsed,
                    expected.wait[row],
                )
                checked += 1
    assert checked > 1200


def test_the_packet_world_serves_every_name_where_the_arrays_say():
    internet = synthetic_internet(300, seed=4, **SMALL)
    world = internet.to_world()
    live = np.flatnonzero(internet.active)
    ech_names = {internet.ech_name(c) for c, on in enumerate(internet.params.cdn_ech) if on}
    assert sorted(set(world.sites) - ech_names) == sorted(internet.name(r) for r in live)
    for row in live[::7].tolist():
        name = internet.name(row)
        assert sorted(str(a) for a in world.zone.addresses(name)) == sorted(internet.addresses(row))
        assert world.site(name).infringing == (internet.service[row] >= 0)


# -- timelines -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def season(mid):
    return mid.season(weekends=12)


def test_a_season_list_grows_and_its_collateral_with_it(mid, season):
    table = season.table
    assert list(table.index) == list(range(1, 13))
    assert (np.diff(table["addresses listed"]) >= 0).all()
    assert table["legal names down (v4)"].iloc[-1] > table["legal names down (v4)"].iloc[0]
    # dual-stack subscribers keep IPv6: less collateral, and more streams still reachable
    assert (table["legal names down (dual)"] <= table["legal names down (v4)"]).all()
    assert (table["services reachable (dual)"] >= table["services reachable (v4)"]).all()
    # leases the services left went to new legal tenants, and the list still cuts them
    assert table["new tenants cut"].iloc[-1] > 0
    assert (
        season.order.ip is not None and len(season.order.ip) == table["addresses listed"].iloc[-1]
    )
    assert mid.active.sum() == 20_000  # the timeline ran on a copy
    assert "0x" not in repr(season)


def test_a_list_outlives_its_targets_as_leases_go_to_new_tenants(season):
    after = season.world.aftermath(season.order, months=6, relet=0.5)
    table = after.table
    assert (table["services reachable (v4)"] == 0).all()  # the services are gone
    assert (np.diff(table["listed leases still idle"]) <= 0).all()
    assert (np.diff(table["new tenants cut"]) >= 0).all()
    assert table["new tenants cut"].iloc[-1] > table["new tenants cut"].iloc[0]
    assert table["legal names down (v4)"].iloc[-1] >= table["legal names down (v4)"].iloc[0]


def test_piracy_shield_tickets_respect_the_whitelist_and_add_mistakes(mid):
    drive = next(t for t in _texts(mid) if t.startswith("drive.usercontent."))
    drive_v4 = [a for a in mid.addresses(drive) if ":" not in a]
    cdn = mid.providers[0]
    day = mid.ticket_day(extra={"18:00": [drive, *drive_v4]}, end="20:00")
    assert list(day.table.index)[:2] == ["12:00", "12:30"]
    assert drive in day.order.dns.names
    assert (np.diff(day.table["names listed"]) >= 0).all()
    assert day.table["new tenants cut"].iloc[-1] > 0  # leases given up are let again
    whitelist = Blocklist([drive, *drive_v4, *cdn.v4_prefixes])
    guarded = mid.ticket_day(extra={"18:00": [drive, *drive_v4]}, end="20:00", whitelist=whitelist)
    assert drive not in guarded.order.dns.names
    assert not any(whitelist.matches(a) for a in guarded.order.ip)
    assert (
        guarded.table["legal names down (v4)"].iloc[-1]
        < day.table["legal names down (v4)"].iloc[-1]
    )
    with pytest.raises(ValueError, match="start='25:00'"):
        mid.ticket_day(start="25:00")
    with pytest.raises(ValueError, match="action='blackhole'"):
        mid.season(action="blackhole")


def test_progress_bars_stay_off_stderr_and_quiet_outside_notebooks(mid, capsys):
    mid.season(weekends=2)
    quiet = capsys.readouterr()
    assert quiet.out == "" and quiet.err == ""
    mid.season(weekends=2, progress=True)
    shown = capsys.readouterr()
    assert "weekends" in shown.out and shown.err == ""

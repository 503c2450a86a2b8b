"""Where does the censor sit? Two traceroutes, one benign and one triggering (lesson 06).

Theory of operation
-------------------
A traceroute sends probes with TTL 1, 2, 3...: each router that decrements a TTL to zero
answers with ICMP *time exceeded*, which names the router. CenTrace (Sundara Raman,
Wang, Dalek, Mayer and Ensafi, "Network Measurement Methods for Locating and Examining
Censorship Devices", CoNEXT 2022; github.com/censoredplanet/CenTrace) puts a request
inside those probes: a TLS ClientHello or an HTTP GET that names a domain, sent on an
established TCP connection with a small TTL. With a *control* domain nothing unusual
happens and the probes meet router after router until the server answers; with the
*test* domain the probes meet routers up to some TTL, and from there on a reset, a block
page, or silence. The censor acts between the last router that answered and the next
hop. The server itself is further away, so a reset "from the server" that comes back for
a probe whose TTL could not reach the server was forged on the way.

:func:`locate_censor` runs both traceroutes (``client.traceroute`` with
``payload="tls"`` or ``"http"`` and a ``server_name``) to an address of the site that
the control vantage point resolved (the probe's own answer may be forged), and compares.
When even the benign probes cannot open a connection, the *address* is blocked, whatever
the name: it then traces plain SYN probes to find where they stop.

Simplifications, stated: one probe per TTL, no repetitions and no waiting between probes
(CenTrace waits 120 s between probes to one endpoint, since real censors keep blocking
a flow for a while; the simulator's censors remember verdicts per connection only), and
no tell-tales of the device in the ICMP quotes (CenTrace also compares them, with
Tracebox's method, to tell in-path devices from on-path ones).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import dns.rdatatype

from censorsim.client import Client, TracerouteResult
from censorsim.measure import steps
from censorsim.measure.addresses import is_bogon
from censorsim.measure.helper import TestHelper, add_test_helper
from censorsim.names import normalize_name
from censorsim.worlds.world import World

__all__ = ["locate_censor", "CensorLocation", "CONTROL_NAME"]

#: The benign name of the control traceroute: a name reserved for documentation
#: (RFC 2606), which no block list of the course's worlds names.
CONTROL_NAME = "www.example.org"


@dataclass(frozen=True)
class CensorLocation:
    """Where the probes carrying ``name`` stopped meeting routers, next to a control.

    ``trigger`` says what the censor reacts to: ``"name"`` (the benign probes went
    through, the ones naming the site did not), ``"address"`` (every connection to the
    address is stopped, whatever the name), or None (nothing on the path stopped the
    probes: the site is reachable this way, or blocked elsewhere, in DNS for instance).
    ``hop`` is the TTL of the first probe that met the censor; ``after`` the last router
    that answered before it (None when the censor acts before the first router, on the
    probe's own access link) and ``network`` that router's network; ``reaction`` what came
    back at ``hop``: ``"reset"``, ``"answer"`` (a reply that the server could not have
    sent from there, such as a block page), ``"unreachable"`` or ``"none"`` (silence: the
    probe was dropped). ``server_hop`` is how many hops away the server answered the
    control probes. ``control`` and ``test`` are the two traceroutes; when the address
    itself is blocked, ``syn`` is the traceroute of bare SYN probes that located it.
    """

    url: str
    name: str
    address: str
    payload: str
    control_name: str
    trigger: str | None
    hop: int | None
    after: str | None
    network: str | None
    reaction: str | None
    server_hop: int | None
    control: TracerouteResult
    test: TracerouteResult
    syn: TracerouteResult | None = None

    def __repr__(self) -> str:
        return (
            f"<CensorLocation {self.name} ({self.address}): trigger={self.trigger!r} "
            f"hop={self.hop!r} after={self.after!r}>"
        )

    def summary(self) -> str:
        """The traceroutes side by side, and the conclusion."""
        lines = [f"locate_censor {self.url} ({self.address})"]
        if self.syn is not None:
            lines.append("  even the benign name could not open a connection; SYN probes:")
            columns = [("SYN probes", self.syn)]
        else:
            columns = [
                (f"{self.payload} naming {self.control_name}", self.control),
                (f"{self.payload} naming {self.name}", self.test),
            ]
        lines.append(f"{'TTL':>5}  " + "".join(f"{title:<46}" for title, _ in columns).rstrip())
        hops = [{h.ttl: h for h in trace.hops} for _, trace in columns]
        last = max((ttl for by_ttl in hops for ttl in by_ttl), default=0)
        silent_from = None
        for ttl in range(1, last + 1):
            row = [by_ttl.get(ttl) for by_ttl in hops]
            if all(h is None or h.kind == "none" for h in row):
                silent_from = silent_from or ttl
                if ttl < last:
                    continue
            if silent_from is not None:
                span = f"{silent_from}-{ttl}" if ttl > silent_from else f"{ttl}"
                cells = ["none (silence)" if h is not None else "" for h in row]
                silent_from = None
            else:
                span = str(ttl)
                cells = [self._cell(h) for h in row]
            lines.append(f"{span:>5}  " + "".join(f"{c:<46}" for c in cells).rstrip())
        lines.append(self.conclusion())
        return "\n".join(lines)

    def _cell(self, hop) -> str:
        if hop is None:
            return ""
        who = hop.name or (str(hop.address) if hop.address else "*")
        text = f"{hop.kind} {who}"
        forged = hop.kind in ("reset", "answer") and hop.ttl < (self.server_hop or 0)
        return text + " (forged on the way)" if forged else text

    def conclusion(self) -> str:
        """One sentence: where the censor acts, and on what."""
        if self.trigger is None:
            return (
                "no censor stopped these probes on the path: the site is reachable this "
                "way (any blocking happens elsewhere, in DNS for instance)"
            )
        what = "the name in the request" if self.trigger == "name" else "the address"
        where = (
            "on the probe's access link, before its first router"
            if self.after is None
            else f"after router {self.after} (hop {self.hop - 1}, network {self.network})"
        )
        detail = {
            "reset": "answers with a forged reset",
            "none": "drops the probe (silence)",
            "answer": "answers in the server's place",
            "unreachable": "answers with ICMP unreachable",
        }.get(self.reaction, self.reaction)
        beyond = ""
        if self.server_hop is not None and self.hop is not None and self.hop < self.server_hop:
            beyond = f"; the server is {self.server_hop} hops away"
        return f"a censor reacting to {what} acts {where}: it {detail} at hop {self.hop}{beyond}"

    def __str__(self) -> str:
        return self.summary()


def _control_address(world: World, name: str, helper: TestHelper | None):
    """An address of ``name`` as the control vantage point resolves it."""
    helper = helper or getattr(world, "test_helper", None) or add_test_helper(world)
    out: dict = {}

    def ask():
        out["lookup"] = yield from steps.lookup(
            helper.host, helper.resolver.address, name, dns.rdatatype.A, timeout=4.0
        )

    world.run(ask())
    lookup = out["lookup"]
    usable = [a for a in lookup.addresses if not is_bogon(a)]
    if not usable:
        raise ValueError(
            f"the control could not resolve {name!r} ({lookup.failure or 'no address'}); "
            "give address=..."
        )
    return usable[0]


def _stop(result: TracerouteResult) -> tuple[int | None, str | None, str | None, str | None]:
    """``(hop, last router's name, its network, reaction)`` of a traceroute that stopped."""
    hop = result.blocked_at
    if hop is None:
        return None, None, None, None
    reaction = next(h.kind for h in result.hops if h.ttl == hop)
    last = result.last_router
    if last is None:
        return hop, None, None, reaction
    router = result.trace.internet.router_at(last.address) if result.trace else None
    network = router.network.name if router is not None else None
    return hop, last.name, network, reaction


def _check_timeout(timeout: float) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0.001:
        raise ValueError(f"timeout={timeout!r}: expected a number of seconds above 0.001")
    return float(timeout)


def locate_censor(
    world: World,
    probe: Client,
    url: str,
    *,
    address: str | None = None,
    control_name: str = CONTROL_NAME,
    test_helper: TestHelper | None = None,
    max_ttl: int = 16,
    timeout: float = 2.0,
) -> CensorLocation:
    """Find where a censor acts on ``url`` from ``probe`` (see the module).

    The probes go to ``address`` (by default, an address the control resolves for the
    URL's name, through ``test_helper``, or ``world.test_helper``): TLS ClientHellos
    for an ``https`` URL, HTTP requests for ``http``, once with ``control_name`` and once
    with the URL's name. Returns a :class:`CensorLocation`.
    """
    if not isinstance(world, World):
        raise TypeError(f"world={world!r}: expected a World")
    if not isinstance(probe, Client) or probe.host.internet is not world:
        raise TypeError(f"probe={probe!r}: expected a Client of this world")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r}: expected an http:// or https:// URL")
    name = normalize_name(parts.hostname)
    control_name = normalize_name(control_name)
    payload = "tls" if parts.scheme == "https" else "http"
    port = parts.port or (443 if payload == "tls" else 80)
    if address is None:
        address = _control_address(world, name, test_helper)
    try:
        address = ipaddress.ip_address(address)
    except ValueError:
        raise ValueError(f"address={address!r} is not an IPv4 or IPv6 address") from None
    options = {"port": port, "max_ttl": max_ttl, "timeout": _check_timeout(timeout)}
    control = probe.traceroute(str(address), payload=payload, server_name=control_name, **options)
    test = probe.traceroute(str(address), payload=payload, server_name=name, **options)
    server_hop = next((h.ttl for h in control.hops if h.kind == "answer"), None)
    trigger = None
    syn = None
    if control.reached and not test.reached:
        trigger = "name"
        hop, after, network, reaction = _stop(test)
    elif not control.reached:
        # even the benign connection fails: trace bare SYNs to the address
        syn = probe.traceroute(str(address), payload=None, **options)
        trigger = None if syn.reached else "address"
        hop, after, network, reaction = _stop(syn)
        server_hop = next((h.ttl for h in syn.hops if h.kind == "answer"), None)
    else:
        hop = after = network = reaction = None
    if hop is None:
        trigger = None
    return CensorLocation(
        url=url,
        name=name,
        address=str(address),
        payload=payload,
        control_name=control_name,
        trigger=trigger,
        hop=hop,
        after=after,
        network=network,
        reaction=reaction,
        server_hop=server_hop,
        control=control,
        test=test,
        syn=syn,
    )

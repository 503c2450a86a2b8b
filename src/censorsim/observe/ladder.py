"""Ladder (sequence) diagrams drawn from a recorded trace (lessons 00-04).

A ladder has one column per participant (the client, each router where a censor sits or
acted, the servers) and one row per packet, drawn from where it started to where it
ended; time runs downwards and the left margin gives each packet's start time. Colours
follow :data:`censorsim.observe.figures.COLORS`.
"""

from __future__ import annotations

from censorsim.observe.figures import COLORS

__all__ = ["ladder"]


def _columns(trace, journeys) -> list[str]:
    """Columns from left to right: the client, hosts inside its network, the censoring
    routers at the border, then the hosts outside, in order of appearance."""
    world = trace.internet
    hosts, routers = [], []
    crossed = {raw[1] for raw in trace._raw if raw[1] in world.routers}
    for j in journeys:
        for hop in (j.origin, j.last_hop):
            if hop in world.routers:
                acted = j.fate in ("dropped", "no-route", "expired") or j.injected or j.verdict
                if hop not in routers and acted:
                    routers.append(hop)
            elif hop not in hosts:
                hosts.append(hop)
    for name in sorted(crossed):
        if _has_censor(world, name) and name not in routers:
            routers.append(name)
    origin = trace.origin if trace.origin in hosts else (hosts[0] if hosts else None)
    if origin is None:
        return routers
    home = world.hosts[origin].network
    inside = [h for h in hosts if h != origin and world.hosts[h].network is home]
    outside = [h for h in hosts if h != origin and world.hosts[h].network is not home]
    return [origin, *inside, *routers, *outside]


def ladder(trace, ax=None, *, limit: int = 80, title: str | None = None):
    """Draw ``trace`` (a :class:`~censorsim.observe.trace.Trace`) as a ladder diagram;
    returns the matplotlib axes."""
    import matplotlib.pyplot as plt

    journeys = trace.journeys()[:limit]
    cols = _columns(trace, journeys)
    x = {name: i for i, name in enumerate(cols)}
    world = trace.internet
    rows = max(len(journeys), 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(2.6 * max(len(cols), 2) + 2.5, 0.32 * rows + 1.6))
    for name, i in x.items():
        is_router = name in world.routers
        label = f"{name}\n(censor)" if is_router and _has_censor(world, name) else name
        ax.axvline(i, color=COLORS["ink"], lw=1.2 if not is_router else 2.5, alpha=0.35, zorder=0)
        ax.text(i, -1.0, label, ha="center", va="bottom", fontsize=9, fontweight="bold")
    for row, j in enumerate(journeys):
        src = x.get(j.origin)
        dst = x.get(j.last_hop)
        if src is None or dst is None:
            # a hop without a column (a router that only forwarded): draw from the sender
            dst = x.get(_host_for(world, j.packet.dst), dst)
            if src is None or dst is None:
                continue
        if j.injected:
            color = COLORS["forged"]
        elif j.fate in ("dropped", "no-route", "expired"):
            color = COLORS["blocked"] if j.fate == "dropped" else COLORS["lost"]
        elif j.verdict is not None and j.verdict.action == "throttle":
            color = COLORS["throttled"]
        else:
            color = COLORS["packet"]
        y0, y1 = row, row + 0.55
        ax.annotate(
            "",
            xy=(dst, y1),
            xytext=(src, y0),
            arrowprops=dict(arrowstyle="-|>", color=color, lw=1.4, shrinkA=0, shrinkB=0),
        )
        if j.fate in ("dropped", "no-route", "expired"):
            ax.plot([dst], [y1], marker="X", color=color, markersize=10, zorder=3)
        text = j.description
        if j.verdict is not None and (j.fate == "dropped" or j.injected):
            text += f"  [{j.verdict.action}]"
        mid = (src + dst) / 2
        ax.text(
            mid,
            (y0 + y1) / 2 - 0.12,
            text,
            ha="center",
            va="bottom",
            fontsize=7.5,
            color=color,
            bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.8),
        )
        ax.text(
            -0.55,
            y0 + 0.2,
            f"{j.start * 1000:.1f} ms",
            ha="right",
            va="center",
            fontsize=7,
            color=COLORS["ink"],
        )
    ax.set_xlim(-1.4, max(len(cols) - 1, 1) + 0.6)
    ax.set_ylim(rows + 0.5, -1.4)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_ylabel("time ↓ (one row per packet)")
    if title is None:
        blocked = sum(1 for j in journeys if j.fate == "dropped")
        forged = sum(1 for j in journeys if j.injected)
        title = f"{len(journeys)} packets"
        if blocked or forged:
            title += f": {blocked} dropped, {forged} forged by the censor"
    ax.set_title(title, pad=30)
    return ax


def _host_for(world, address) -> str | None:
    host = world.host_at(address)
    return host.name if host is not None else None


def _has_censor(world, name: str) -> bool:
    """Whether a censor with rules sits at router ``name``: at its border or on one of its
    links (an engine without rules, as every ISP and public resolver gets, is not one)."""
    router = world.routers[name]

    def acts(engine) -> bool:
        return engine is not None and bool(getattr(engine, "rules", True))

    return acts(router.censor) or any(
        acts(link.censor) and link.owner is router for link in router.links
    )

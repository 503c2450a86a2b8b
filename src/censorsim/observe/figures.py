"""The course's colours and figure style: the same colour for the same meaning everywhere.

Every figure in the course uses Okabe and Ito's colour-blind-safe palette, with one
meaning per colour (:data:`COLORS`): blocked is always vermillion, collateral damage
orange, a packet the censor made up reddish purple.
"""

from __future__ import annotations

__all__ = ["COLORS", "use_course_style"]

COLORS = {
    "packet": "#0072B2",  # an ordinary packet (blue)
    "reachable": "#009E73",  # a site that works, a packet let through (bluish green)
    "blocked": "#D55E00",  # blocked: dropped, reset, failed (vermillion)
    "collateral": "#E69F00",  # a legal site blocked by a rule aimed at another (orange)
    "forged": "#CC79A7",  # a packet the censor made up (reddish purple)
    "throttled": "#56B4E9",  # slowed down (sky blue)
    "lost": "#999999",  # went nowhere (grey)
    "ink": "#222222",
}


def use_course_style() -> None:
    """Matplotlib settings shared by every lesson (sizes, grid, the palette's cycle)."""
    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "figure.figsize": (9, 4.5),
            "figure.dpi": 100,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": mpl.cycler(
                color=[
                    COLORS[k] for k in ("packet", "blocked", "reachable", "collateral", "forged")
                ]
            ),
        }
    )

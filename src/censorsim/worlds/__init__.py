"""Ready-made worlds from the case studies, and the builders they are made with.

* :func:`football_night` is the world of lesson 00 and of most of the course;
* :func:`new_world` and the builders (:func:`add_isp`, :func:`add_cdn`,
  :func:`add_hosting`, :func:`add_resolver`, :func:`add_proxy`, ``world.add_gateway``) make other worlds
  the same way; labs use them to build worlds with unknown censors;
* :class:`World` is what they return: the internet plus its zone, CA, sites, clients
  and named roles;
* :mod:`~censorsim.worlds.recipe` writes a world as data (``recipe.build(recipe)``), and
  :func:`mystery` draws mystery worlds for lab 04 as recipes.
"""

from censorsim.worlds import recipe
from censorsim.worlds.builders import (
    CDN,
    Hosting,
    add_cdn,
    add_hosting,
    add_isp,
    add_proxy,
    add_resolver,
    new_world,
    publish,
)
from censorsim.worlds.football import football_night
from censorsim.worlds.mystery import Mystery, mystery
from censorsim.worlds.synthetic import (
    BlockOrder,
    Outcome,
    SyntheticInternet,
    SyntheticParameters,
    Timeline,
    synthetic_internet,
)
from censorsim.worlds.world import DEFAULT_EPOCH, World

__all__ = [
    "World",
    "DEFAULT_EPOCH",
    "football_night",
    "new_world",
    "add_isp",
    "add_cdn",
    "add_hosting",
    "add_resolver",
    "add_proxy",
    "publish",
    "CDN",
    "Hosting",
    "synthetic_internet",
    "SyntheticInternet",
    "SyntheticParameters",
    "BlockOrder",
    "Outcome",
    "Timeline",
    "recipe",
    "mystery",
    "Mystery",
]

"""Football night: the world of lesson 00 and of most of the course.

An ISP is ordered to block a live-football streaming site, on a night when that site sits
on a CDN's shared addresses next to a bakery, a school, a news site and a payments page.
It is modelled on Spain's blocking of shared Cloudflare addresses during LaLiga matches
from February 2025, when unrelated sites went down with the targets (case facts; Xataka,
Feb 2025; OneFootball, 13 May 2025).
"""

from __future__ import annotations

from censorsim.protocols.web import Site
from censorsim.worlds.builders import add_cdn, add_hosting, add_isp, add_resolver, new_world
from censorsim.worlds.world import World

__all__ = ["football_night"]


def football_night(seed: int = 0) -> World:
    """The world of lesson 00: a censoring ISP, a CDN with shared addresses, and its sites.

    * ``world.isp``: the ISP "movinet" (censor engine ``world.isp.censor``, resolver
      198.18.255.53, block-page server 198.18.255.80 and 2001:db8:18::80);
      ``world.client(name)`` adds a subscriber;
    * a CDN "nimbus" with three shared edge addresses (203.0.113.10-12) serving the
      infringing ``futbol-stream.example`` and four legal sites: ``bakery.example`` and
      ``pay.example`` share its first address, ``school.example`` its second,
      ``news.example`` has the third to itself;
    * ``blog.example`` on its own address at a hosting company;
    * a public resolver 198.51.100.53 that also speaks DNS over HTTPS
      (``https://dns.resolver.example/dns-query``);
    * ``world.control``: a client in a network outside the ISP, using the public resolver.

    Without rules every fetch succeeds.
    """
    world = new_world(seed)
    add_isp(
        world,
        "movinet",
        ["198.18.0.0/16", "2001:db8:18::/48"],
        resolver_address="198.18.255.53",
        blockpage_address=["198.18.255.80", "2001:db8:18::80"],
        asn=64500,
    )
    cdn = add_cdn(
        world,
        "nimbus",
        ["203.0.113.0/24", "2001:db8:cd::/48"],
        [
            ["203.0.113.10", "2001:db8:cd::10"],
            ["203.0.113.11", "2001:db8:cd::11"],
            ["203.0.113.12", "2001:db8:cd::12"],
        ],
        asn=64501,
        ech_public_name="ech.nimbus.example",
        http3=True,
    )
    cdn.add_site(
        Site(
            "futbol-stream.example",
            "Fútbol Stream: every match live, free",
            "Tonight's match, streamed without a licence.",
            infringing=True,
            category="infringing",
        ),
        edges=(0, 1),
    )
    cdn.add_site(Site("bakery.example", "La Espiga bakery", "Fresh bread every morning."), (0,))
    cdn.add_site(
        Site(
            "pay.example", "PayFast checkout", "Card payments for small shops.", category="payments"
        ),
        (0, 1),
    )
    cdn.add_site(
        Site(
            "school.example", "Riverside Primary School", "Homework, timetables and the lunch menu."
        ),
        (1,),
    )
    cdn.add_site(Site("news.example", "The Daily Example", "Today's news."), (2,))
    hosting = add_hosting(world, "hostco", ["192.0.2.128/25"], asn=64502)
    hosting.add_site(
        Site(
            "blog.example",
            "A blog about bread",
            "Sourdough, rye and spelt, on a server of its own.",
        ),
        ["192.0.2.140"],
    )
    add_resolver(
        world,
        "openresolve",
        ["198.51.100.0/24"],
        "198.51.100.53",
        doh_name="dns.resolver.example",
        asn=64503,
    )
    world.add_network(
        "lab", "control", ["198.19.0.0/24"], latency=0.010, access_latency=0.001, asn=64504
    )
    world.control = world.client("control", "lab", resolver="198.51.100.53")
    world.cdn = cdn
    world.hosting = hosting
    world.public_resolver = world.host("openresolve-resolver")
    return world

"""Measuring censorship as OONI does, and finding where the censor sits (lessons 02 and 06).

Theory of operation
-------------------
Everything known about real censorship was measured by someone: OONI Probe's volunteers,
Censored Planet's remote scans, researchers tracing Russia's TSPU boxes hop by hop. A
measurement runs the same test from a vantage point inside the network under study (the
*probe*) and from one outside it (the *control*), and compares: a page that fails for
both is down, a page that fails only inside is blocked, and *how* it fails says which
mechanism blocks it.

* :func:`web_connectivity` is OONI Probe's Web Connectivity test
  (:mod:`~censorsim.measure.webconnectivity`): the probe resolves, connects to every
  address, handshakes, fetches and follows redirects; a :class:`TestHelper` outside
  (:func:`add_test_helper`, :mod:`~censorsim.measure.helper`) does the same; the
  analysis (:mod:`~censorsim.measure.analysis`, a port of OONI's current code) fills
  OONI's keys, ``blocking`` (``dns``, ``tcp_ip``, ``http-failure``, ``http-diff``, False,
  or None) and ``accessible`` among them.
* :func:`locate_censor` finds *where* a censor acts: two traceroutes to the same server,
  one carrying a benign name and one the blocked name (the method of CenTrace,
  :mod:`~censorsim.measure.locate`).
* :class:`Probe` is a vantage point as a measurer has it (its own packets, never the
  censor's verdicts), and :class:`Blackbox` a world built in another process from a recipe,
  whose probes (:class:`RemoteProbe`) measure it and cannot read it (lab 04);
* :data:`OONI_FAILURES` and :func:`ooni_failure` name the simulator's failures as OONI
  does; :func:`is_bogon`, :func:`network_of` and :func:`asn_of` are what a measurement
  knows about an address.

A measurement never changes the world it measures, beyond the traffic it sends (and a
test helper added on first use); it runs in the world's virtual time, takes a few
milliseconds of real time, and gives the same result for the same seed.
"""

from censorsim.measure.addresses import SIMULATED_PUBLIC, asn_of, is_bogon, is_loopback, network_of
from censorsim.measure.analysis import (
    BODY_PROPORTION_FACTOR,
    COMMON_HEADERS,
    analyse,
    body_proportion,
    http_diff,
    status_code_match,
    title_different_long_words,
    uncommon_headers_intersection,
)
from censorsim.measure.blackbox import MECHANISMS, Blackbox, RemoteProbe, Truth
from censorsim.measure.failures import OONI_FAILURES, ooni_failure
from censorsim.measure.helper import TestHelper, add_test_helper
from censorsim.measure.locate import CensorLocation, locate_censor
from censorsim.measure.probe import Capture, Probe
from censorsim.measure.webconnectivity import WebConnectivityResult, web_connectivity

__all__ = [
    "web_connectivity",
    "WebConnectivityResult",
    "TestHelper",
    "add_test_helper",
    "locate_censor",
    "CensorLocation",
    "analyse",
    "body_proportion",
    "status_code_match",
    "uncommon_headers_intersection",
    "title_different_long_words",
    "http_diff",
    "COMMON_HEADERS",
    "BODY_PROPORTION_FACTOR",
    "OONI_FAILURES",
    "ooni_failure",
    "is_bogon",
    "is_loopback",
    "network_of",
    "asn_of",
    "SIMULATED_PUBLIC",
    "Probe",
    "Capture",
    "Blackbox",
    "RemoteProbe",
    "Truth",
    "MECHANISMS",
]

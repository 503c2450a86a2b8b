"""Reading the SNI of a ClientHello: ``censorsim.wire.extract_sni`` against scapy's TLS dissector.

What it measures
----------------
How many ClientHellos per second each parser turns into the server name, on the same
real ClientHellos: the first flight of ``censorsim.protocols.tls.TLSClientSession(...).start()``
(OpenSSL's own bytes), for a few server names, once with TLS 1.3 (the default client
context: about 517 bytes, padded) and once with TLS 1.2 as the highest version
(``ca.client_context(maximum_version=ssl.TLSVersion.TLSv1_2)``: about 200 bytes).

* censorsim: ``extract_sni(data)``, the parser an SNI filter runs for every packet;
* scapy: ``TLS(data)`` from ``scapy.layers.tls.record`` (imported quietly, without
  ``scapy.all``), then the ``TLS_Ext_ServerName`` in ``.msg[0].ext`` and its
  ``.servernames[0].servername``.

Both must give the same name for every ClientHello before anything is timed.

How
---
``time.perf_counter`` around a batch of calls cycling over the ClientHellos, after a
warm-up; REPS repetitions; the headline is the BEST repetition (the least disturbed by
other work on the machine), the median in brackets.
The target printed (not asserted): extract_sni at least 100x faster than scapy.

Run: ``.venv/bin/python benchmarks/bench_sni.py`` (about 10 s).
"""

from __future__ import annotations

import logging
import random
import ssl
import time

from _common import CPUShare, met, ops_per_second, write_summary

from censorsim.protocols.tls import CertificateAuthority, TLSClientSession
from censorsim.wire import extract_sni

for _name in ("scapy", "scapy.runtime", "scapy.loading", "scapy.interactive"):
    logging.getLogger(_name).setLevel(logging.ERROR)
import scapy.layers.tls.all  # noqa: E402, F401  (registers the TLS layers; not scapy.all)
from scapy.layers.tls.extensions import TLS_Ext_ServerName  # noqa: E402
from scapy.layers.tls.record import TLS  # noqa: E402

NAMES = (
    "bakery.example",
    "futbol-stream.example",
    "www.school.example",
    "a-rather-long-subdomain-name.cdn-customer.pay.example",
)
REPS = 7
FAST_BATCH = 20_000  # extract_sni calls per repetition
SLOW_BATCH = 200  # scapy parses per repetition
TARGET_RATIO = 100.0


def client_hellos() -> dict[str, list[bytes]]:
    ca = CertificateAuthority(0)
    rng = random.Random(1)
    contexts = {
        "TLS 1.3": ca.client_context(),
        "TLS 1.2": ca.client_context(maximum_version=ssl.TLSVersion.TLSv1_2),
    }
    return {
        label: [TLSClientSession(ctx, name, rng).start() for name in NAMES]
        for label, ctx in contexts.items()
    }


def scapy_sni(data: bytes) -> str | None:
    for ext in TLS(data).msg[0].ext:
        if isinstance(ext, TLS_Ext_ServerName):
            return ext.servernames[0].servername.decode("ascii")
    return None


def main() -> None:
    t_start = time.perf_counter()
    sets = client_hellos()
    for label, hellos in sets.items():
        for name, data in zip(NAMES, hellos, strict=True):
            ours, theirs = extract_sni(data), scapy_sni(data)
            if not ours == theirs == name:
                raise SystemExit(f"{label}: extract_sni {ours!r}, scapy {theirs!r}, sent {name!r}")
    sizes = {label: sorted({len(h) for h in hellos}) for label, hellos in sets.items()}
    print(f"ClientHellos: {len(NAMES)} server names x {len(sets)} versions, from OpenSSL")
    for label, s in sizes.items():
        print(f"  {label}: {', '.join(map(str, s))} bytes")
    print("check: extract_sni and scapy give the sent name for every ClientHello")
    print(
        f"method: {REPS} repetitions of {FAST_BATCH} extract_sni / {SLOW_BATCH} scapy calls; "
        "headline = BEST [median]"
    )
    print()
    print(f"{'':10} {'extract_sni ops/s':>24} {'scapy TLS() ops/s':>22} {'ratio':>8}   target")
    rows = []
    cpu = CPUShare()
    everything = [h for hellos in sets.values() for h in hellos]
    for label, hellos in (*sets.items(), ("both", everything)):
        fast, fast_median = ops_per_second(extract_sni, hellos, FAST_BATCH, cpu, REPS)
        slow, slow_median = ops_per_second(scapy_sni, hellos, SLOW_BATCH, cpu, REPS)
        ratio = fast / slow
        ok = ratio >= TARGET_RATIO
        print(
            f"{label:10} {fast:12,.0f} [{fast_median:9,.0f}] {slow:10,.0f} [{slow_median:8,.0f}] "
            f"{ratio:7.0f}x   >= {TARGET_RATIO:.0f}x  met: {met(ok)}"
        )
        if label == "both":
            per_call_us = 1e6 / fast
            print(
                f"\nper call (both versions): extract_sni {per_call_us:.2f} us, "
                f"scapy {1e6 / slow:.0f} us"
            )
            rows.append(
                {
                    "name": "SNI extraction",
                    "figure": f"{fast:,.0f} ops/s vs scapy {slow:,.0f} ops/s: {ratio:.0f}x",
                    "target": f">= {TARGET_RATIO:.0f}x faster",
                    "met": ok,
                    "cpu": cpu.share,
                }
            )
    print(cpu.line())
    print(f"\ntotal wall time of this benchmark: {time.perf_counter() - t_start:.1f} s")
    write_summary(rows)


if __name__ == "__main__":
    main()

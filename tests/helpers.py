"""Helpers shared by the tests (import with ``from helpers import ...``)."""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = os.environ.get("CENSORSIM_CI") == "1"


def require_program(name: str) -> str:
    """The path of an external program; skip the test without it (fail in CI instead)."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed"
        if IN_CI:
            pytest.fail(f"{message}, and CI must run this test (.ci/run installs it)")
        pytest.skip(message)
    return path


def censored(*rules, seed: int = 0, reassemble: bool = False):
    """A football_night world whose ISP runs these rules."""
    import censorsim as cs

    w = cs.worlds.football_night(seed=seed)
    w.isp.censor.reassemble = reassemble
    for rule in rules:
        w.isp.censor.add(rule)
    return w


def openssl_hello(
    server_name: str | None, seed: int = 0, *, tls13_only: bool = False, alpn=("h2",)
):
    """A real ClientHello (TLS records) written by OpenSSL for ``server_name``, from a seed.

    ``tls13_only`` makes the hello offer TLS 1.3 alone, as an ECH inner hello must.
    """
    import random
    import ssl

    from censorsim.protocols.tls import TLSClientSession

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3 if tls13_only else ssl.TLSVersion.TLSv1_2
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return TLSClientSession(ctx, server_name, random.Random(seed)).start()

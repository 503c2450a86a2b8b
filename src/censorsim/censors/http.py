"""HTTP filtering: reading the Host header of plaintext requests (lesson 02).

Theory of operation
-------------------
A plaintext HTTP request names its site in the ``Host`` header. A transparent proxy or
DPI box reads it, drops the request, and answers in the server's place with a block page
(Movistar used HTTP transparent proxies for the Catalan referendum sites in 2017; OONI
relay, listas.sindominio.net, Oct 2017). Movistar shows HTTP 451 before football matches
in 2025/26 (case facts). Over HTTPS the same box sees no Host header at all: that is
why censors moved to SNI.

* :class:`BlockpageOnHost`: answer the request with a block page (``451`` by default)
  that seems to come from the server, close the connection, and reset the server's side.
"""

from __future__ import annotations

from dataclasses import replace

from censorsim.blocklist import Blocklist
from censorsim.censors._base import ListRule, resets
from censorsim.censors.engine import Observation, Verdict
from censorsim.protocols.http import response_bytes
from censorsim.wire import Incomplete, MalformedPacket, extract_host

__all__ = ["BlockpageOnHost"]

_DEFAULT_PAGE = (
    "<!doctype html>\n<html><head><title>Blocked</title></head>\n"
    "<body><h1>451 Unavailable For Legal Reasons</h1>\n"
    "<p>Access to this site has been blocked by order of the authorities.</p></body></html>\n"
)


class BlockpageOnHost(ListRule):
    """Answer plaintext HTTP requests for listed hosts with a block page."""

    holds = "names"

    def __init__(self, blocklist: Blocklist, status: int = 451, body: str = _DEFAULT_PAGE):
        super().__init__(blocklist)
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise ValueError(f"status={status!r}: expected an HTTP status code from 100 to 599")
        self.status = status
        self.body = body.encode()

    def _args(self) -> str:
        return f", status={self.status}"

    def inspect(self, observation: Observation) -> Verdict | None:
        packet, flow = observation.packet, observation.flow
        if packet.proto != "tcp" or not packet.payload or not observation.from_client:
            return None
        data = observation.data
        if not data or not data[:1].isalpha():
            return None  # not the start of an HTTP request (TLS starts with 0x16)
        try:
            host = extract_host(data)
        except Incomplete:
            return None
        if host is None:
            return None
        try:
            entry = self.blocklist.match(host)
        except ValueError as exc:
            raise MalformedPacket(f"Host {host!r} is not a host name: {exc}") from None
        if entry is None:
            return None
        page = response_bytes(self.status, self.body, server="censor")
        to_client, to_server = resets(packet, flow)
        answer = replace(to_client, payload=page, flags="FPA", window=65535)
        return Verdict(
            "blockpage",
            forward=False,
            inject=(answer, to_server),
            rule=repr(self),
            reason=f"Host {host!r} matches {entry!r}",
            keep=True,
        )

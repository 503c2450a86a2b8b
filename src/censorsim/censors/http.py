"""HTTP filtering: reading the Host header of plaintext requests (lesson 02).

Theory of operation
-------------------
A plaintext HTTP request names its site in the ``Host`` header. A transparent proxy or
DPI box reads it and, when the name is listed, stops the request in one of four ways:

* :class:`BlockpageOnHost` answers in the server's place with a block page (``451`` by
  default, RFC 7725), closes the connection, and resets the server's side. Movistar used
  HTTP transparent proxies for the Catalan referendum sites in 2017 (OONI relay,
  listas.sindominio.net, Oct 2017), and shows HTTP 451 before football matches in 2025/26
  (case facts, section 1). Status, headers and page are configurable, down to a bare
  status line, since block pages differ and OONI's comparison of headers must meet both;
* :class:`ResetOnHost` forges RSTs to both ends (``http:reset``; OONI:
  ``connection_reset``), as China's firewall does for listed keywords (Clayton, Murdoch
  and Watson, "Ignoring the Great Firewall of China", PET 2006; there the trigger was a
  keyword in the request, not the Host header). Spanish ISPs answered requests for
  womenonweb.org with TCP resets among other methods in 2020, what triggered them not
  isolated (case facts, section 5: magma, 5 May 2020);
* :class:`DropOnHost` drops the request and the rest of the flow (``http:timeout``; OONI:
  ``generic_timeout_error``);
* :class:`CloseOnHost` ends the connection with a forged FIN, which the client reads as
  the server closing early (``http:eof``; OONI: ``eof_error``, ooni/spec df-007).

Over HTTPS the same box sees no Host header at all: that is why censors moved to SNI
(:mod:`censorsim.censors.sni`).
"""

from __future__ import annotations

from dataclasses import replace

from censorsim.blocklist import Blocklist
from censorsim.censors._base import ListRule, closes, resets
from censorsim.censors.engine import Observation, Verdict
from censorsim.protocols.http import response_bytes
from censorsim.wire import Incomplete, MalformedPacket, extract_host

__all__ = ["BlockpageOnHost", "ResetOnHost", "DropOnHost", "CloseOnHost"]

_DEFAULT_PAGE = (
    "<!doctype html>\n<html><head><title>Blocked</title></head>\n"
    "<body><h1>451 Unavailable For Legal Reasons</h1>\n"
    "<p>Access to this site has been blocked by order of the authorities.</p></body></html>\n"
)


class _HostRule(ListRule):
    holds = "names"

    def _hit(self, observation: Observation) -> str | None:
        """The reason when the request in this packet names a listed host, else None."""
        packet = observation.packet
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
        return None if entry is None else f"Host {host!r} matches {entry!r}"


class BlockpageOnHost(_HostRule):
    """Answer plaintext HTTP requests for listed hosts with a block page.

    ``status`` (451 by default), ``headers`` (added to ``Server: censor``; give
    ``server=None`` for none at all) and ``body`` make the page.

    Seen in: Spain, 25 September to 1 October 2017: Telefónica/Movistar served block pages
    for 25 Catalan referendum sites through HTTP transparent proxies, where Orange and
    Euskaltel tampered with DNS (OONI's report, relayed on
    listas.sindominio.net/pipermail/hackmeeting/2017-October/038978.html).
    """

    def __init__(
        self,
        blocklist: Blocklist,
        status: int = 451,
        body: str = _DEFAULT_PAGE,
        *,
        headers: dict[str, str] | None = None,
        server: str | None = "censor",
    ):
        super().__init__(blocklist)
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise ValueError(f"status={status!r}: expected an HTTP status code from 100 to 599")
        if not isinstance(body, str):
            raise TypeError(f"body={body!r}: expected the page as a str")
        self.status = status
        self.body = body.encode()
        self.headers = dict(headers or {})
        self.server = server

    def _args(self) -> str:
        return f", status={self.status}"

    def inspect(self, observation: Observation) -> Verdict | None:
        reason = self._hit(observation)
        if reason is None:
            return None
        page = response_bytes(self.status, self.body, self.headers, server=self.server)
        to_client, to_server = resets(observation.packet, observation.flow)
        answer = replace(to_client, payload=page, flags="FPA", window=65535)
        return Verdict(
            "blockpage",
            forward=False,
            inject=(answer, to_server),
            rule=repr(self),
            reason=reason,
            keep=True,
        )


class ResetOnHost(_HostRule):
    """Reset connections whose HTTP request names a listed host (RSTs both ways).

    Seen in: China, 2006: when a request matched its list, the Great Firewall forged RSTs
    to both the client and the server (Clayton, Murdoch and Watson, "Ignoring the Great
    Firewall of China", PET 2006, where the trigger was a keyword in the request line
    rather than the Host header).
    """

    def inspect(self, observation: Observation) -> Verdict | None:
        reason = self._hit(observation)
        if reason is None:
            return None
        inject = resets(observation.packet, observation.flow)
        return Verdict(
            "reset", forward=False, inject=inject, rule=repr(self), reason=reason, keep=True
        )


class DropOnHost(_HostRule):
    """Drop HTTP requests that name a listed host, and the rest of their flow.

    Seen in: no deployment documented in the course's sources; modelled because OONI's QA
    scenario ``redirectWithConsistentDNSAndThenTimeoutForHTTP`` (ooni/probe-cli
    internal/webconnectivityqa, with ooni/netem's ``DPIDropTrafficForString``) builds it,
    and OONI reports it as ``generic_timeout_error`` (ooni/spec df-007).
    """

    def inspect(self, observation: Observation) -> Verdict | None:
        reason = self._hit(observation)
        if reason is None:
            return None
        return Verdict("drop", forward=False, rule=repr(self), reason=reason, keep=True)


class CloseOnHost(_HostRule):
    """End connections whose HTTP request names a listed host with a forged FIN.

    Seen in: no deployment documented in the course's sources; modelled because OONI names
    its signature, ``eof_error`` (ooni/spec df-007), and its QA scenario
    ``redirectWithConsistentDNSAndThenEOFForHTTP`` (ooni/probe-cli
    internal/webconnectivityqa, with ooni/netem's ``DPICloseConnectionForString``) builds it.
    """

    def inspect(self, observation: Observation) -> Verdict | None:
        reason = self._hit(observation)
        if reason is None:
            return None
        inject = closes(observation.packet, observation.flow)
        return Verdict(
            "close", forward=False, inject=inject, rule=repr(self), reason=reason, keep=True
        )

"""HTTP/1.1 for clients and servers, through h11 (lesson 01).

Theory of operation
-------------------
Both ends of every HTTP exchange in the simulator speak HTTP/1.1 through ``h11``
(python-hyper/h11), a complete HTTP/1.1 state machine that "contains no networking
code at all": bytes go in, events come out. So the requests and responses on the wire
are what a real client and server exchange: a request line, a ``Host`` header, a status
line, ``Content-Length``, and a body. (A censor does not use h11: it runs its own small
parser, :func:`censorsim.wire.extract_host`, as a DPI box does.)

* :func:`request_bytes` and :class:`ResponseReader` are the client's half: the bytes of a
  request, and a reader that turns response bytes into a :class:`Response` (a body ends
  at its ``Content-Length``, or at the end of the connection when there is none);
* :class:`RequestReader` and :func:`response_bytes` are the server's half.

Every exchange is one request and one response on a fresh connection
(``Connection: close``), as a browser's first visit to a site is.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass, field

import h11

__all__ = [
    "Request",
    "Response",
    "request_bytes",
    "request_headers",
    "ResponseReader",
    "RequestReader",
    "response_bytes",
    "render_response",
    "REASONS",
    "USER_AGENT",
]

USER_AGENT = "censorsim/0.2"

REASONS = {
    200: "OK",
    204: "No Content",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    415: "Unsupported Media Type",
    421: "Misdirected Request",
    429: "Too Many Requests",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class Request:
    """An HTTP request as a server received it (header names in lower case)."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    server_name: str | None = None  # the SNI, when the request came over TLS
    peer: object = None

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (any case), or None."""
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None

    @property
    def host(self) -> str | None:
        """The Host header without its port, in lower case."""
        value = self.header("host")
        if value is None:
            return None
        value = value.lower()
        if value.startswith("["):  # an IPv6 literal, maybe with a port
            return value.split("]")[0] + "]"
        return value.rsplit(":", 1)[0] if value.count(":") == 1 else value

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


@dataclass(frozen=True)
class Response:
    """An HTTP response as a client received it (header names in lower case, in order)."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    header_map: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def header(self, name: str) -> str | None:
        """The last header called ``name`` (any case), or None."""
        return self.header_map.get(name.lower())


def _text(value: bytes) -> str:
    return value.decode("latin-1")


def request_headers(
    host: str, headers: list[tuple[str, str]] | None = None, body: bytes = b""
) -> list[tuple[str, str]]:
    """The header lines :func:`request_bytes` sends, in order: ``Host``, the course's
    ``User-Agent`` and ``Accept: */*``, then ``headers``, ``Content-Length`` for a body, and
    ``Connection: close``.

    >>> [name for name, _ in request_headers("bakery.example", [("Accept-Language", "en")])]
    ['Host', 'User-Agent', 'Accept', 'Accept-Language', 'Connection']
    """
    all_headers = [("Host", host), ("User-Agent", USER_AGENT), ("Accept", "*/*")]
    all_headers += headers or []
    if body:
        all_headers.append(("Content-Length", str(len(body))))
    all_headers.append(("Connection", "close"))
    return all_headers


def request_bytes(
    method: str,
    target: str,
    host: str,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> bytes:
    """The bytes of an HTTP/1.1 request with the header lines of :func:`request_headers`."""
    all_headers = request_headers(host, headers, body)
    conn = h11.Connection(our_role=h11.CLIENT)
    data = conn.send(h11.Request(method=method, target=target, headers=all_headers))
    if body:
        data += conn.send(h11.Data(data=body))
    return data + conn.send(h11.EndOfMessage())


class ResponseReader:
    """Reads one HTTP/1.1 response from bytes fed as they arrive.

    After each :meth:`feed` (and :meth:`eof` at the end of the connection), ``done`` says
    whether the whole response is there; ``error`` holds why the bytes are not a valid
    response; ``response`` the :class:`Response`.
    """

    def __init__(self, method: str = "GET") -> None:
        self._conn = h11.Connection(our_role=h11.CLIENT)
        # h11 reads a response only after it has sent the request it answers
        self._conn.send(h11.Request(method=method, target="/", headers=[("Host", "x")]))
        self._conn.send(h11.EndOfMessage())
        self._head: h11.Response | None = None
        self._body = bytearray()
        self.done = False
        self.error = ""
        self.started = False  # some bytes arrived
        self.response: Response | None = None

    def feed(self, data: bytes) -> None:
        if self.done or not data:
            return
        self.started = True
        self._step(data)

    def eof(self) -> None:
        """The connection ended (FIN or TLS close_notify)."""
        if not self.done:
            self._step(b"")

    def _step(self, data: bytes) -> None:
        try:
            self._conn.receive_data(data)
            while True:
                event = self._conn.next_event()
                if event is h11.NEED_DATA or event is h11.PAUSED:
                    return
                if isinstance(event, h11.InformationalResponse):
                    continue
                if isinstance(event, h11.Response):
                    self._head = event
                elif isinstance(event, h11.Data):
                    self._body += event.data
                elif isinstance(event, h11.EndOfMessage):
                    self._finish()
                    return
                elif isinstance(event, h11.ConnectionClosed):
                    self.done = True
                    self.error = "the connection ended before the HTTP answer was complete"
                    return
        except h11.RemoteProtocolError as exc:
            self.done = True
            self.error = f"not a valid HTTP response: {exc}"

    def _finish(self) -> None:
        head = self._head
        headers = tuple((_text(k), _text(v)) for k, v in head.headers)
        self.response = Response(
            head.status_code,
            _text(head.reason),
            headers,
            bytes(self._body),
            dict(headers),
        )
        self.done = True


class RequestReader:
    """Reads one HTTP/1.1 request from bytes fed as they arrive (the server's half)."""

    MAX_HEADER = 65536

    def __init__(self) -> None:
        self._conn = h11.Connection(our_role=h11.SERVER, max_incomplete_event_size=self.MAX_HEADER)
        self._head: h11.Request | None = None
        self._body = bytearray()
        self.error = ""
        self.request: Request | None = None

    def feed(self, data: bytes) -> Request | None:
        """Give bytes; returns the request once complete (raises ValueError when the bytes
        are not a valid request)."""
        if self.request is not None:
            return self.request
        try:
            self._conn.receive_data(data)
            while True:
                event = self._conn.next_event()
                if event is h11.NEED_DATA or event is h11.PAUSED:
                    return None
                if isinstance(event, h11.Request):
                    self._head = event
                elif isinstance(event, h11.Data):
                    self._body += event.data
                elif isinstance(event, h11.EndOfMessage):
                    head = self._head
                    self.request = Request(
                        _text(head.method),
                        _text(head.target),
                        tuple((_text(k), _text(v)) for k, v in head.headers),
                        bytes(self._body),
                    )
                    return self.request
                elif isinstance(event, h11.ConnectionClosed):
                    return None
        except h11.RemoteProtocolError as exc:
            self.error = str(exc)
            raise ValueError(f"not a valid HTTP request: {exc}") from None


def response_bytes(
    status: int,
    body: bytes,
    headers: list[tuple[str, str]] | dict[str, str] | None = None,
    *,
    date: float | None = None,
    server: str | None = "censorsim",
    content_type: str | None = "text/html; charset=utf-8",
) -> bytes:
    """The bytes of an HTTP/1.1 response with Content-Length and ``Connection: close``.

    ``headers`` come after ``Server``, ``Date`` and ``Content-Type`` (each left out when
    None); a header given there replaces the default of the same name.
    """
    extra = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    names = {k.lower() for k, _ in extra}
    all_headers: list[tuple[str, str]] = []
    if server is not None and "server" not in names:
        all_headers.append(("Server", server))
    if date is not None and "date" not in names:
        all_headers.append(("Date", email.utils.formatdate(date, usegmt=True)))
    if content_type is not None and "content-type" not in names:
        all_headers.append(("Content-Type", content_type))
    all_headers += [(k, v) for k, v in extra if k.lower() not in ("content-length", "connection")]
    all_headers += [("Content-Length", str(len(body))), ("Connection", "close")]
    conn = h11.Connection(our_role=h11.SERVER)
    conn.receive_data(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # h11 answers only a request
    conn.next_event()
    conn.next_event()
    reason = REASONS.get(status, "")
    data = conn.send(h11.Response(status_code=status, headers=all_headers, reason=reason))
    data += conn.send(h11.Data(data=body)) if body else b""
    return data + conn.send(h11.EndOfMessage())


def render_response(
    status: int, body: bytes, headers: dict[str, str] | None = None, *, date: float | None = None
) -> bytes:
    """:func:`response_bytes` with the simulator's defaults (kept for lessons and censors)."""
    return response_bytes(status, body, headers, date=date)

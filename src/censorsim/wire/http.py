"""The Host header of a plaintext HTTP request, read the way an HTTP filter reads it (lesson 02).

This is the censor's own parser, not the endpoints' (they speak HTTP/1.1 through h11): a
DPI box reads the first bytes of the client's stream and looks for one header. It never
trusts the bytes: a request whose header block has not ended raises
:class:`~censorsim.wire.Incomplete`, anything that is not an HTTP/1.x request raises
:class:`~censorsim.wire.MalformedPacket`.
"""

from __future__ import annotations

from censorsim.wire.errors import Incomplete, MalformedPacket

__all__ = ["extract_host", "HTTP_METHODS"]

HTTP_METHODS = (b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"PATCH", b"CONNECT")


def extract_host(data: bytes) -> str | None:
    """Return the ``Host`` header of the plaintext HTTP/1.x request at the start of ``data``.

    Returns None when the request has no Host header. Raises :class:`Incomplete` when the
    header block has not ended yet, and :class:`MalformedPacket` when the bytes are not an
    HTTP request. This is what an HTTP filter reads (lesson 02's block pages).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedPacket(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise Incomplete("no bytes yet")
    first_space = data.find(b" ", 0, 16)
    method = data[:first_space] if first_space > 0 else data[:16]
    if first_space < 0:
        if any(m.startswith(method) for m in HTTP_METHODS):
            raise Incomplete("need more bytes to read the request method")
        raise MalformedPacket(f"{data[:16]!r} does not start with an HTTP method")
    if method not in HTTP_METHODS:
        raise MalformedPacket(f"{method!r} is not an HTTP method")
    end = data.find(b"\r\n\r\n")
    if end < 0:
        if len(data) > 64 * 1024:
            raise MalformedPacket("HTTP header block exceeds 64 KiB without ending")
        raise Incomplete("the HTTP header block has not ended yet")
    lines = data[:end].split(b"\r\n")
    if not lines[0].rstrip().endswith((b"HTTP/1.1", b"HTTP/1.0")):
        raise MalformedPacket(f"request line {lines[0][:80]!r} does not end with HTTP/1.x")
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            raise MalformedPacket(f"header line {line[:80]!r} has no colon")
        if name.strip().lower() == b"host":
            try:
                host = value.strip().decode("ascii")
            except UnicodeDecodeError:
                raise MalformedPacket(f"Host header {value[:80]!r} is not ASCII") from None
            if host.startswith("["):  # an IPv6 literal with a port
                return host.split("]")[0] + "]"
            return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return None

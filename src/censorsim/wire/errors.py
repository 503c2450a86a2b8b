"""The two ways bytes can fail to parse, shared by every parser of the wire package."""

from __future__ import annotations

__all__ = ["MalformedPacket", "Incomplete"]


class MalformedPacket(ValueError):
    """Bytes that are not what the parser was asked to read (and cannot become so)."""


class Incomplete(ValueError):
    """Bytes that are a valid beginning of a message that needs more data."""

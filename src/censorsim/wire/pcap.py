"""pcap files: raw-IP captures that Wireshark and tshark decode (lesson 00).

The simulator writes the classic libpcap format (not pcapng) with link type 101, raw IPv4
or IPv6 and no link layer, so no MAC address is ever invented (scapy would fill one from
the host, and as root resolve it with a real ARP request). Timestamps are the world's
virtual time added to its epoch; they must fall within the format's unsigned 32-bit
seconds (1970 to 2106).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable
from pathlib import Path

from censorsim.wire.errors import MalformedPacket

__all__ = ["write_pcap", "read_pcap"]

_LINKTYPE_RAW = 101  # raw IPv4/IPv6, no link layer
_MAGIC = 0xA1B2C3D4
_SNAPLEN = 65535


def write_pcap(path: str | Path, records: Iterable[tuple[float, bytes]]) -> Path:
    """Write ``(timestamp, ip_bytes)`` records to a raw-IP pcap file; return the path.

    Raises ``ValueError`` naming the record when a timestamp is not a finite number of
    seconds between 1970 and 2106 (what the format can hold).
    """
    path = Path(path)
    rows = []
    for i, (timestamp, data) in enumerate(records):
        if not isinstance(timestamp, int | float) or not math.isfinite(timestamp):
            raise ValueError(f"record {i}: timestamp {timestamp!r} is not a finite number")
        micros = round(timestamp * 1_000_000)
        sec, usec = divmod(micros, 1_000_000)
        if not 0 <= sec < 2**32:
            raise ValueError(
                f"record {i}: timestamp {timestamp!r} is outside what pcap can hold "
                "(seconds from 1970 to 2106)"
            )
        rows.append(struct.pack("<IIII", sec, usec, len(data), len(data)) + bytes(data))
    with path.open("wb") as f:
        f.write(struct.pack("<IHHiIII", _MAGIC, 2, 4, 0, 0, _SNAPLEN, _LINKTYPE_RAW))
        for row in rows:
            f.write(row)
    return path


def read_pcap(path: str | Path) -> list[tuple[float, bytes]]:
    """Read a raw-IP pcap file written by :func:`write_pcap` into ``(timestamp, bytes)``."""
    data = Path(path).read_bytes()
    if len(data) < 24:
        raise MalformedPacket(f"{path}: {len(data)} bytes are too short for a pcap header")
    magic, _major, _minor, _zone, _sig, _snap, link = struct.unpack("<IHHiIII", data[:24])
    if magic != _MAGIC:
        raise MalformedPacket(f"{path}: magic number 0x{magic:08x} is not little-endian pcap")
    if link != _LINKTYPE_RAW:
        raise MalformedPacket(f"{path}: link type {link} is not raw IP ({_LINKTYPE_RAW})")
    out = []
    i = 24
    while i < len(data):
        if i + 16 > len(data):
            raise MalformedPacket(f"{path}: a record header is cut short at byte {i}")
        sec, usec, caplen, _orig = struct.unpack("<IIII", data[i : i + 16])
        i += 16
        if i + caplen > len(data):
            raise MalformedPacket(f"{path}: a record of {caplen} bytes is cut short")
        out.append((sec + usec / 1_000_000, data[i : i + caplen]))
        i += caplen
    return out

"""One line per packet, in the words of lesson 01: what a person reading a capture sees.

``describe(packet)`` names the transport event (``TCP SYN``, ``TCP RST``...) or reads the
payload: a DNS question or answer, the TLS records a segment starts with (a ClientHello
with its server name; a TLS 1.3 server's first flight, which is a ServerHello, a
change_cipher_spec record kept for middleboxes (RFC 8446 appendix D.4) and encrypted
handshake records), an HTTP request line with its Host, a status line, or an ICMP error
with the packet it quotes. It never raises on odd bytes: whatever it cannot read it calls
by its size. (It takes any :class:`~censorsim.wire.ip.Packet`; it does not import that
module, which imports this one for ``Packet.summary``.)
"""

from __future__ import annotations

from censorsim.wire.dns import dns_summary, parse_dns
from censorsim.wire.errors import Incomplete, MalformedPacket
from censorsim.wire.http import HTTP_METHODS, extract_host
from censorsim.wire.quic import extract_quic_sni
from censorsim.wire.tls import extract_sni

__all__ = ["describe"]

_TLS_HANDSHAKE_NAMES = {
    1: "ClientHello",
    2: "ServerHello",
    4: "NewSessionTicket",
    8: "EncryptedExtensions",
    11: "Certificate",
    12: "ServerKeyExchange",
    13: "CertificateRequest",
    14: "ServerHelloDone",
    15: "CertificateVerify",
    16: "ClientKeyExchange",
    20: "Finished",
}


def describe(packet) -> str:
    """A human description of a packet: ``"TCP SYN"``, ``"TLS ClientHello (SNI x)"``, ..."""
    if packet.proto == "icmp":
        return _describe_icmp(packet)
    if packet.proto == "udp":
        if 53 in (packet.sport, packet.dport):
            try:
                return dns_summary(parse_dns(packet.payload))
            except MalformedPacket:
                return f"UDP {len(packet.payload)} bytes (not DNS)"
        if 443 in (packet.sport, packet.dport):
            return _describe_quic(packet.payload)
        return f"UDP {len(packet.payload)} bytes"
    flags = packet.flags
    if "R" in flags:
        return "TCP RST"
    if "S" in flags:
        return "TCP SYN-ACK" if "A" in flags else "TCP SYN"
    payload = packet.payload
    fin = " + FIN" if "F" in flags else ""
    if not payload:
        return "TCP FIN" if "F" in flags else "TCP ACK"
    return _describe_payload(payload) + fin


def _describe_quic(payload: bytes) -> str:
    """A QUIC datagram: the client's Initial with its server name (anyone can decrypt
    it), or the kind of packet its first byte says."""
    if not payload:
        return "UDP 0 bytes"
    if payload[0] & 0x80:  # a long header: Initial, 0-RTT, Handshake or Retry
        try:
            name = extract_quic_sni(payload)
        except (Incomplete, MalformedPacket):
            return f"QUIC handshake packet ({len(payload)} bytes)"
        return f"QUIC Initial (SNI {name})" if name else "QUIC Initial (no SNI)"
    return f"QUIC packet, encrypted ({len(payload)} bytes)"


def _describe_icmp(packet) -> str:
    kind = packet.icmp_kind
    text = f"ICMP {kind} from {packet.src}"
    quoted = packet.quoted()
    if quoted is not None:
        text += f" (quoting {quoted.proto.upper()} to {quoted.dst}"
        text += f":{quoted.dport})" if quoted.proto != "icmp" else ")"
    return text


_CONTENT_TYPES = {20: "ChangeCipherSpec", 21: "alert", 22: "handshake", 23: "application data"}


def _tls_records(payload: bytes) -> list[tuple[int, bytes]] | None:
    """The TLS records a segment starts with: ``(content type, body)``, the last one
    possibly cut short; None when the bytes do not start with a TLS record header."""
    records = []
    i = 0
    while i + 5 <= len(payload):
        ctype, major = payload[i], payload[i + 1]
        if ctype not in _CONTENT_TYPES or major != 3:
            break
        length = (payload[i + 3] << 8) | payload[i + 4]
        records.append((ctype, payload[i + 5 : i + 5 + length]))
        i += 5 + length
    return records or None


def _describe_tls(payload: bytes, records: list[tuple[int, bytes]]) -> str:
    first_type, first = records[0]
    if first_type == 22 and first[:1] == b"\x01":
        try:
            sni = extract_sni(payload)
        except Incomplete:
            return "TLS ClientHello (first part)"
        except MalformedPacket:
            return "TLS ClientHello (malformed)"
        return f"TLS ClientHello (SNI {sni})" if sni else "TLS ClientHello (no SNI)"
    names = []
    for ctype, body in records:
        if ctype == 22 and body:
            name = _TLS_HANDSHAKE_NAMES.get(body[0], f"handshake type {body[0]}")
        elif ctype == 23:
            # in TLS 1.3 the rest of the handshake travels as application data records
            name = (
                "encrypted handshake"
                if any(n.startswith("ServerHello") for n in names)
                else ("application data")
            )
        else:
            name = _CONTENT_TYPES[ctype]
        if not names or names[-1] != name:
            names.append(name)
    if names == ["application data"]:
        return f"TLS application data ({len(payload)} bytes)"
    return "TLS " + ", ".join(names)


def _describe_payload(payload: bytes) -> str:
    records = _tls_records(payload)
    if records is not None:
        return _describe_tls(payload, records)
    if payload.startswith(b"HTTP/1."):
        status = payload.split(b"\r\n", 1)[0].decode("latin-1")
        return f"HTTP {status[9:]}"
    line = payload.split(b"\r\n", 1)[0]
    if line.split(b" ", 1)[0] in HTTP_METHODS:
        text = f"HTTP {line.decode('latin-1')[:60]}"
        try:
            host = extract_host(payload)
        except ValueError:
            host = None
        return f"{text} (Host {host})" if host else text
    return f"TCP data ({len(payload)} bytes)"

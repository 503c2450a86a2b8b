# mutant of hellos_seen_answer: reads each connection's first segment only, so a hello cut across
# TCP segments is not read
import censorsim as cs


def hellos_seen(packets):
    """{(server address, server name or None, ECH or not)} for every TCP connection whose
    ClientHello appears in `packets` (IP packets as bytes)."""
    streams = {}  # (client, client port, server, server port) -> {sequence number: payload}
    for raw in packets:
        p = cs.Packet.from_bytes(raw)
        if p.proto == "tcp" and p.payload:
            key = (str(p.src), p.sport, str(p.dst), p.dport)
            streams.setdefault(key, {}).setdefault(p.seq, p.payload)
    found = set()
    for (_, _, server, _), segments in streams.items():
        data = segments[min(segments)]  # the hello is in the first segment
        if data[:1] != b"\x16" or data[5:6] != b"\x01":
            continue  # not a ClientHello: the server's side, or not TLS
        handshake, at = b"", 0  # gather the handshake records
        while at + 5 <= len(data) and data[at] == 22:
            handshake += data[at + 5 : at + 5 + int.from_bytes(data[at + 3 : at + 5])]
            at += 5 + int.from_bytes(data[at + 3 : at + 5])
        at = 4 + 2 + 32
        at += 1 + handshake[at]
        at += 2 + int.from_bytes(handshake[at : at + 2])
        at += 1 + handshake[at]
        end = at + 2 + int.from_bytes(handshake[at : at + 2]) if at < len(handshake) else at
        at += 2
        name, ech = None, False
        while at < end:
            kind, size = (
                int.from_bytes(handshake[at : at + 2]),
                int.from_bytes(handshake[at + 2 : at + 4]),
            )
            if kind == 0:
                length = int.from_bytes(handshake[at + 7 : at + 9])
                name = handshake[at + 9 : at + 9 + length].decode("ascii")
            elif kind == 0xFE0D:
                ech = True
            at += 4 + size
        found.add((server, name, ech))
    return found

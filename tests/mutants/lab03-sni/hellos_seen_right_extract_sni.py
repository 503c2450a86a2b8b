# right answer of hellos_seen_answer: reads the server name with cs.extract_sni, which the
# task allows, and walks the extensions only to find the ECH one
def hellos_seen(packets):
    def extension_types(data):
        handshake, at = b"", 0
        while len(handshake) < 4 or len(handshake) < 4 + int.from_bytes(handshake[1:4]):
            length = int.from_bytes(data[at + 3 : at + 5])
            handshake += data[at + 5 : at + 5 + length]
            at += 5 + length
        hello = handshake[4 : 4 + int.from_bytes(handshake[1:4])]
        i = 34
        i += 1 + hello[i]
        i += 2 + int.from_bytes(hello[i : i + 2])
        i += 1 + hello[i]
        types = []
        if i + 2 > len(hello):
            return types
        end = i + 2 + int.from_bytes(hello[i : i + 2])
        i += 2
        while i < end:
            types.append(int.from_bytes(hello[i : i + 2]))
            i += 4 + int.from_bytes(hello[i + 2 : i + 4])
        return types

    connections = {}
    for raw in packets:
        p = cs.Packet.from_bytes(raw)
        if p.proto == "tcp" and p.payload:
            key = (p.src, p.sport, p.dst, p.dport)
            connections.setdefault(key, {}).setdefault(p.seq, p.payload)
    seen = set()
    for (_, _, server, _), segments in connections.items():
        data = b"".join(segments[seq] for seq in sorted(segments))
        try:
            name = cs.extract_sni(data)
        except (cs.Incomplete, cs.MalformedPacket):
            continue  # not a ClientHello: the server's side, or not TLS
        seen.add((str(server), name, 0xFE0D in extension_types(data)))
    return seen

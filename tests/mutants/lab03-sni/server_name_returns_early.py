# mutant of server_name_answer: returns the name as soon as it has read it, as a filter's
# shortcut does, instead of raising Incomplete until the whole hello is there
import censorsim as cs


def server_name(data):
    """The server name in the ClientHello at the start of `data`, or None; raises
    cs.Incomplete when the bytes end too early and cs.MalformedPacket when they cannot be
    a ClientHello."""
    if not data:
        raise cs.Incomplete("no bytes yet")
    handshake, at, ended = b"", 0, True
    while at < len(data):
        if data[at] != 22:
            if at == 0:
                raise cs.MalformedPacket(f"record type {data[0]} is not a handshake (22)")
            ended = False
            break
        if at + 1 < len(data) and data[at + 1] != 3:
            raise cs.MalformedPacket(f"record version {data[at + 1]}.x is not 3.x")
        length = int.from_bytes(data[at + 3 : at + 5])
        handshake += data[at + 5 : at + 5 + length]
        at += 5 + length
    if handshake and handshake[0] != 1:
        raise cs.MalformedPacket(f"handshake type {handshake[0]} is not a ClientHello (1)")
    end = 4 + int.from_bytes(handshake[1:4]) if len(handshake) >= 4 else len(data) + 1
    have = min(end, len(handshake))
    at = 4 + 2 + 32
    if at < have:
        at += 1 + handshake[at]
        at += 2 + int.from_bytes(handshake[at : at + 2])
        at += 1 + (handshake[at] if at < have else 0)
        at += 2
        while at + 4 <= have:  # the name, as soon as it is there
            kind = int.from_bytes(handshake[at : at + 2])
            size = int.from_bytes(handshake[at + 2 : at + 4])
            if kind == 0 and at + 4 + size <= have:
                length = int.from_bytes(handshake[at + 7 : at + 9])
                return handshake[at + 9 : at + 9 + length].decode("ascii")
            at += 4 + size
    if len(handshake) < end:
        if ended:
            raise cs.Incomplete("the ClientHello is not all there yet")
        raise cs.MalformedPacket("a record of another type comes before the ClientHello ends")
    return None

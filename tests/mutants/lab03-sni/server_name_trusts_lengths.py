# mutant of server_name_answer: never checks an extension's length against the end of the
# extensions, nor their total: Python's slicing quietly stops at the end
import censorsim as cs


def server_name(data):
    """The server name in the ClientHello at the start of `data`, or None; raises
    cs.Incomplete when the bytes end too early and cs.MalformedPacket when they cannot be
    a ClientHello."""
    if not data:
        raise cs.Incomplete("no bytes yet")
    # 1. the handshake bytes of the leading handshake records
    handshake, at, ended = b"", 0, True  # ended: the data ends before any other record
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
    # 2. the handshake header: a ClientHello, and where it ends
    if handshake and handshake[0] != 1:
        raise cs.MalformedPacket(f"handshake type {handshake[0]} is not a ClientHello (1)")
    end = 4 + int.from_bytes(handshake[1:4]) if len(handshake) >= 4 else None
    if end is None or len(handshake) < end:
        if ended:
            raise cs.Incomplete("the ClientHello is not all there yet")
        raise cs.MalformedPacket("a record of another type comes before the ClientHello ends")

    def number(position, size, what):
        """The number of `size` bytes at `position`, which must lie inside the ClientHello."""
        if position + size > end:
            raise cs.MalformedPacket(f"{what} runs past the end of the ClientHello")
        return int.from_bytes(handshake[position : position + size])

    # 3. the fixed part: version and random, session id, cipher suites, compression methods
    at = 4 + 2 + 32
    at += 1 + number(at, 1, "the session id length")
    at += 2 + number(at, 2, "the cipher suites length")
    at += 1 + number(at, 1, "the compression methods length")
    if at >= end:
        if at > end:
            raise cs.MalformedPacket("the compression methods run past the ClientHello")
        return None  # no extensions at all
    # 4. the extensions, every one of them checked
    at += 2  # the extensions' total length
    name = None
    while at < end:
        kind, size = number(at, 2, "an extension type"), number(at + 2, 2, "an extension length")
        at += 4
        if kind == 0:  # server_name: list length (2), then entries: type (1), length (2), name
            if size < 2 or int.from_bytes(handshake[at : at + 2]) != size - 2:
                raise cs.MalformedPacket("the server name list length does not match")
            i = at + 2
            while i < at + size:
                length = number(i + 1, 2, "a server name length") if i + 3 <= at + size else -1
                if length < 0 or i + 3 + length > at + size:
                    raise cs.MalformedPacket("a server name runs past its extension")
                if handshake[i] == 0 and name is None:
                    name = handshake[i + 3 : i + 3 + length].decode("ascii")
                i += 3 + length
        at += size
    return name

# mutant of decode_answers_answer: assumes that every record's name is a 2-byte pointer, as
# in the worked example, so a name written out in full derails the parser
import ipaddress
import struct


def decode_answers(wire):
    qdcount, ancount = struct.unpack("!HH", wire[4:8])
    offset = 12
    for _ in range(qdcount):
        while wire[offset] != 0:
            offset += 1 + wire[offset]
        offset += 1 + 4
    found = []
    for _ in range(ancount):
        offset += 2  # the name: a pointer
        rtype, _rclass, ttl, rdlength = struct.unpack("!HHIH", wire[offset : offset + 10])
        data = wire[offset + 10 : offset + 10 + rdlength]
        offset += 10 + rdlength
        if rtype in (1, 28):
            found.append((str(ipaddress.ip_address(data)), ttl))
    return found

# mutant of decode_answers_answer: takes only the byte 0xc0 for the start of a pointer, so a
# pointer to a name beyond byte 255 (0xc1, 0xc2...) is read as a label length
import ipaddress
import struct


def decode_answers(wire):
    def end_of_name(offset):
        while True:
            length = wire[offset]
            if length == 0:
                return offset + 1
            if length == 0xC0:
                return offset + 2
            offset += 1 + length

    qdcount, ancount = struct.unpack("!HH", wire[4:8])
    offset = 12
    for _ in range(qdcount):
        offset = end_of_name(offset) + 4
    found = []
    for _ in range(ancount):
        offset = end_of_name(offset)
        rtype, _rclass, ttl, rdlength = struct.unpack("!HHIH", wire[offset : offset + 10])
        data = wire[offset + 10 : offset + 10 + rdlength]
        offset += 10 + rdlength
        if rtype in (1, 28):
            found.append((str(ipaddress.ip_address(data)), ttl))
    return found

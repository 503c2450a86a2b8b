# mutant of decode_answers_answer: reads every record to the end of the message, so the
# addresses of the authority and additional sections (name servers' glue) come too
import ipaddress
import struct


def decode_answers(wire):
    def end_of_name(offset):
        while True:
            length = wire[offset]
            if length == 0:
                return offset + 1
            if length >= 0xC0:
                return offset + 2
            offset += 1 + length

    qdcount, ancount, nscount, arcount = struct.unpack("!HHHH", wire[4:12])
    offset = 12
    for _ in range(qdcount):
        offset = end_of_name(offset) + 4
    found = []
    for _ in range(ancount + nscount + arcount):
        offset = end_of_name(offset)
        rtype, _rclass, ttl, rdlength = struct.unpack("!HHIH", wire[offset : offset + 10])
        data = wire[offset + 10 : offset + 10 + rdlength]
        offset += 10 + rdlength
        if rtype in (1, 28):
            found.append((str(ipaddress.ip_address(data)), ttl))
    return found

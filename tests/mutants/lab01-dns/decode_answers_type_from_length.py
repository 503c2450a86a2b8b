# mutant of decode_answers_answer: tells an address by the length of its data (4 or 16
# bytes) instead of the record's type, so a TXT record of 4 bytes becomes an IPv4 address
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

    qdcount, ancount = struct.unpack("!HH", wire[4:8])
    offset = 12
    for _ in range(qdcount):
        offset = end_of_name(offset) + 4
    found = []
    for _ in range(ancount):
        offset = end_of_name(offset)
        _rtype, _rclass, ttl, rdlength = struct.unpack("!HHIH", wire[offset : offset + 10])
        data = wire[offset + 10 : offset + 10 + rdlength]
        offset += 10 + rdlength
        if rdlength in (4, 16):
            found.append((str(ipaddress.ip_address(data)), ttl))
    return found

# mutant of dns_answer_answer: keeps the LAST DNS answer that arrived, so a forged answer
# that overtook the real one is missed
import censorsim as cs


def dns_answer(trace):
    found = []
    for packet in trace.packets():
        if packet.proto == "udp" and packet.sport == 53:
            message = cs.wire.parse_dns(packet.payload)
            found = [
                record.address
                for rrset in message.answer
                if rrset.rdtype.name in ("A", "AAAA")
                for record in rrset
            ]
    return found

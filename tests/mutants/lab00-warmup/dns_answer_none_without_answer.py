# mutant of dns_answer_answer: returns None instead of [] when no answer arrived at all
import censorsim as cs


def dns_answer(trace):
    for packet in trace.packets():
        if packet.proto == "udp" and packet.sport == 53:
            message = cs.wire.parse_dns(packet.payload)
            return [
                record.address
                for rrset in message.answer
                if rrset.rdtype.name in ("A", "AAAA")
                for record in rrset
            ]

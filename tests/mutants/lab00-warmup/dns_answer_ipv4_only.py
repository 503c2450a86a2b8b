# mutant of dns_answer_answer: reads A records only, and forgets AAAA (IPv6) records
import censorsim as cs


def dns_answer(trace):
    for packet in trace.packets():
        if packet.proto == "udp" and packet.sport == 53:
            message = cs.wire.parse_dns(packet.payload)
            return [
                record.address
                for rrset in message.answer
                if rrset.rdtype.name == "A"
                for record in rrset
            ]
    return []

# mutant of censor_view_answer: counts every packet the router saw, not only the client's,
# so the ISP resolver's own questions and the servers' answers come in too
import censorsim as cs


def censor_view(r):
    view = {"addresses": set(), "snis": set(), "query_names": set()}
    if "movinet" not in r.trace.hops:
        return view
    for packet in r.trace.packets(at="movinet"):
        view["addresses"].add(str(packet.dst))
        if packet.proto == "udp" and packet.dport == 53:
            message = cs.wire.parse_dns(packet.payload)
            view["query_names"].update(
                q.name.to_text(omit_final_dot=True) for q in message.question
            )
        elif packet.proto == "tcp" and packet.payload:
            try:
                sni = cs.extract_sni(packet.payload)
            except (cs.Incomplete, cs.MalformedPacket):
                sni = None
            if sni is not None:
                view["snis"].add(sni)
    return view

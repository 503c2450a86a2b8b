# mutant of censor_view_answer: reads the client's own capture instead of the router's, so
# packets that never crossed movinet are counted as seen by the censor
import censorsim as cs


def censor_view(r):
    view = {"addresses": set(), "snis": set(), "query_names": set()}
    if "movinet" not in r.trace.hops:
        return view
    mine = {e.packet.src for e in r.trace.at(r.trace.origin) if e.kind == "send"}
    for packet in r.trace.packets():
        if packet.src not in mine:
            continue
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

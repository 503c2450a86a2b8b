# mutant of censor_view_answer: keeps only the packets the router passed on, so the SYNs to
# a forged address, which it could not route, are missed
import censorsim as cs


def censor_view(r):
    view = {"addresses": set(), "snis": set(), "query_names": set()}
    mine = {e.packet.src for e in r.trace.at(r.trace.origin) if e.kind == "send"}
    for event in r.trace.at("movinet") if "movinet" in r.trace.hops else []:
        packet = event.packet
        if packet.src not in mine or event.kind != "forward":
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

# mutant of failed_stage_answer: takes the stage of the last packet the client sent, so an
# acknowledgement, a FIN or a TLS alert sent after the failure decides
import censorsim as cs


def failed_stage(trace):
    stage = None
    for event in trace.at(trace.origin):
        if event.kind != "send":
            continue
        text = cs.wire.describe(event.packet)
        if text.startswith("DNS"):
            stage = "dns"
        elif text.startswith("TCP"):
            stage = "tcp"
        elif text.startswith("TLS application data") or text.startswith("HTTP"):
            stage = "http"
        elif text.startswith("TLS"):
            stage = "tls"
    return stage

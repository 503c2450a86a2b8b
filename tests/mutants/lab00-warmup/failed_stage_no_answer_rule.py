# mutant of failed_stage_answer: returns the last stage started and forgets the exception,
# so a fetch whose answer arrived "failed" at the HTTP stage
import censorsim as cs


def failed_stage(trace):
    started = None
    for event in trace.at(trace.origin):
        text = cs.wire.describe(event.packet)
        if event.kind == "send":
            if text.startswith("DNS query"):
                started = "dns"
            elif text == "TCP SYN":
                started = "tcp"
            elif text.startswith("TLS ClientHello"):
                started = "tls"
            elif text.startswith(("HTTP ", "TLS application data")):
                started = "http"
    return started

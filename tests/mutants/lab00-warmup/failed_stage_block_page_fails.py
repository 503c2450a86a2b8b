# mutant of failed_stage_answer: counts only a successful answer (HTTP 2xx, or encrypted
# data) as an answer, so a block page ("HTTP 451") is taken for a failure
import censorsim as cs


def failed_stage(trace):
    started = None
    answered = False
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
        elif event.kind == "deliver" and started == "http":
            if text.startswith(("HTTP 2", "TLS application data")):
                answered = True
    return None if answered else started

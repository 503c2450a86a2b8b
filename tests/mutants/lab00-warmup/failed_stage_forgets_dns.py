# mutant of failed_stage_answer: tracks TCP, TLS and HTTP, and forgets that a fetch can
# fail at the DNS stage (returns None when only DNS queries were sent)
import censorsim as cs


def failed_stage(trace):
    started = None
    answered = False
    for event in trace.at(trace.origin):
        text = cs.wire.describe(event.packet)
        is_http = text.startswith(("HTTP ", "TLS application data"))
        if event.kind == "send":
            if text == "TCP SYN":
                started = "tcp"
            elif text.startswith("TLS ClientHello"):
                started = "tls"
            elif is_http:
                started = "http"
        elif event.kind == "deliver" and started == "http" and is_http:
            answered = True
    return None if answered else started

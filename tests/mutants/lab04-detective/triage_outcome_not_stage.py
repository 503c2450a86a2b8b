# mutant of triage_answer: returns the outcome of the failure ("timeout", "reset"...) instead
# of its stage ("tcp", "tls"...)
def triage(probe, url):
    r = probe.fetch(url)
    if r.ok:
        return "ok"
    if not probe.control.fetch(url).ok:
        return "down"
    return r.failure.split(":")[1] if r.failure is not None else "http"

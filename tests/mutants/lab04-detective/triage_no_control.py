# mutant of triage_answer: never asks the control, so a site that is down for everybody is
# reported as blocked at the stage where it fails
def triage(probe, url):
    r = probe.fetch(url)
    if r.ok:
        return "ok"
    return r.stage if r.failure is not None else "http"

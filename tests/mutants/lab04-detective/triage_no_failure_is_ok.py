# mutant of triage_answer: takes "no failure" for "the page loaded", so a block page (451 or
# 403) and an error page (500) count as "ok"
def triage(probe, url):
    r = probe.fetch(url)
    if r.failure is None:
        return "ok"
    if not probe.control.fetch(url).ok:
        return "down"
    return r.stage

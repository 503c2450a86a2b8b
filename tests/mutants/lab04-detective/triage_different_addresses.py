# mutant of triage_answer: calls a page "dns" whenever the probe's resolver gave other
# addresses than the control's, even when the page loads (a CDN's regional answer)
def triage(probe, url):
    r = probe.fetch(url)
    control = probe.control.fetch(url)
    if r.dns is not None and control.dns is not None:
        if r.dns.addresses and set(r.dns.addresses) != set(control.dns.addresses):
            return "dns"
    if r.ok:
        return "ok"
    if not control.ok:
        return "down"
    return r.stage if r.failure is not None else "http"

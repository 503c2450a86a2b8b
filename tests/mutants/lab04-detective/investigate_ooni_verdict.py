# mutant of investigate_answer: trusts Web Connectivity's verdict alone: every DNS lie is the
# resolver's, a failed TLS handshake an SNI rule, a page that differs a block page, no modes,
# and a page that loads is never throttled
def investigate(probe, urls):
    found = {}
    for url in urls:
        m = probe.web_connectivity(url)
        failure = m.http_experiment_failure
        if m.blocking == "dns":
            mechanism = "dns-resolver"
        elif m.blocking == "tcp_ip":
            mechanism = "ip-drop" if failure == "generic_timeout_error" else "ip-reset"
        elif m.blocking == "http-failure":
            mechanism = "sni-drop" if failure == "generic_timeout_error" else "sni-reset"
        elif m.blocking == "http-diff":
            mechanism = "http-blockpage"
        else:
            mechanism = "none"
        found[url] = {"mechanism": mechanism, "mode": None}
    return found

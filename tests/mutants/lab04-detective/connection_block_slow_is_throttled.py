# mutant of connection_block_answer: calls a page throttled when it takes more than two seconds,
# without comparing with the control: a faraway server is slow for everybody
def connection_block(probe, url):
    inside = probe.fetch(url)
    outside = probe.control.fetch(url)
    if not outside.ok:
        return "none"
    if inside.ok:
        return "throttle" if inside.elapsed > 2.0 else "none"
    return {
        "tcp:timeout": "ip-drop",
        "tcp:refused": "ip-reset",
        "tls:timeout": "sni-drop",
        "tls:reset": "sni-reset",
        None: "http-blockpage",
    }.get(inside.failure, "none")

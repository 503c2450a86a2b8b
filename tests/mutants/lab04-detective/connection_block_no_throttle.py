# mutant of connection_block_answer: a page that loads is never blocked, so throttling goes
# unnoticed
def connection_block(probe, url):
    inside = probe.fetch(url)
    outside = probe.control.fetch(url)
    if inside.ok or not outside.ok:
        return "none"
    return {
        "tcp:timeout": "ip-drop",
        "tcp:refused": "ip-reset",
        "tls:timeout": "sni-drop",
        "tls:reset": "sni-reset",
        None: "http-blockpage",
    }.get(inside.failure, "none")

# mutant of connection_block_answer: never asks the control, so a server that is down (a reset
# to every SYN, an expired certificate) is reported as blocked
def connection_block(probe, url):
    inside = probe.fetch(url)
    if inside.ok:
        return "none"
    return {
        "tcp:timeout": "ip-drop",
        "tcp:refused": "ip-reset",
        "tls:timeout": "sni-drop",
        "tls:reset": "sni-reset",
        None: "http-blockpage",
    }.get(inside.failure, "none")

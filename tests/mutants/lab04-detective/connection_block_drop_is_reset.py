# mutant of connection_block_answer: swaps drop and reset, reading a timeout as a reset and a
# refused connection as a dropped one
def connection_block(probe, url):
    inside = probe.fetch(url)
    outside = probe.control.fetch(url)
    if not outside.ok:
        return "none"
    if inside.ok:
        return "throttle" if inside.elapsed > 3 * outside.elapsed else "none"
    return {
        "tcp:timeout": "ip-reset",
        "tcp:refused": "ip-drop",
        "tls:timeout": "sni-reset",
        "tls:reset": "sni-drop",
        None: "http-blockpage",
    }.get(inside.failure, "none")

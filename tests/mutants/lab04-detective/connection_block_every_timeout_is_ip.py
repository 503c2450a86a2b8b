# mutant of connection_block_answer: reads the outcome and not the stage, so a TLS handshake cut
# off after the connection opened is taken for an address rule
def connection_block(probe, url):
    inside = probe.fetch(url)
    outside = probe.control.fetch(url)
    if not outside.ok:
        return "none"
    if inside.ok:
        return "throttle" if inside.elapsed > 3 * outside.elapsed else "none"
    if inside.failure is None:
        return "http-blockpage"
    outcome = inside.failure.split(":")[1]
    return {"timeout": "ip-drop", "refused": "ip-reset", "reset": "ip-reset"}.get(outcome, "none")

# mutant of cut_hello_answer: cuts right after the record header and the handshake type, wherever
# the name is
def cut_hello(hello, how):
    """The ClientHello `hello` (one TLS record) cut inside its server name: TCP segment
    payloads (how="segments", a list of bytes) or TLS records (how="records", bytes)."""
    middle = 6  # just after the record header and the handshake type
    if how == "segments":
        return [hello[:middle], hello[middle:]]
    if how == "records":
        fragment, cut = hello[5:], middle - 5  # the handshake bytes, and the cut in them
        return b"".join(
            hello[:3] + len(part).to_bytes(2) + part for part in (fragment[:cut], fragment[cut:])
        )
    raise ValueError(f"how={how!r}: expected 'segments' or 'records'")

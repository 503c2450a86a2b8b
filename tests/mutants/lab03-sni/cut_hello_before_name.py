# mutant of cut_hello_answer: cuts just before the server name, so the second piece holds it whole
# for a pattern-matching censor
import censorsim as cs


def cut_hello(hello, how):
    """The ClientHello `hello` (one TLS record) cut inside its server name: TCP segment
    payloads (how="segments", a list of bytes) or TLS records (how="records", bytes)."""
    name = cs.extract_sni(hello).encode("ascii")
    middle = hello.find(name)  # where the name starts
    if how == "segments":
        return [hello[:middle], hello[middle:]]
    if how == "records":
        fragment, cut = hello[5:], middle - 5  # the handshake bytes, and the cut in them
        return b"".join(
            hello[:3] + len(part).to_bytes(2) + part for part in (fragment[:cut], fragment[cut:])
        )
    raise ValueError(f"how={how!r}: expected 'segments' or 'records'")

# mutant of cut_hello_answer: copies the original record header in front of the first record, its
# length unchanged
import censorsim as cs


def cut_hello(hello, how):
    """The ClientHello `hello` (one TLS record) cut inside its server name: TCP segment
    payloads (how="segments", a list of bytes) or TLS records (how="records", bytes)."""
    name = cs.extract_sni(hello).encode("ascii")
    middle = hello.find(name) + len(name) // 2  # an offset inside the name
    if how == "segments":
        return [hello[:middle], hello[middle:]]
    if how == "records":
        fragment, cut = hello[5:], middle - 5  # the handshake bytes, and the cut in them
        first, second = fragment[:cut], fragment[cut:]
        return hello[:5] + first + hello[:3] + len(second).to_bytes(2) + second
    raise ValueError(f"how={how!r}: expected 'segments' or 'records'")

# mutant of cut_hello_answer: writes version 03 03 in every new record header instead of the
# original record's version bytes
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
        return b"".join(
            b"\x16\x03\x03" + len(part).to_bytes(2) + part
            for part in (fragment[:cut], fragment[cut:])
        )
    raise ValueError(f"how={how!r}: expected 'segments' or 'records'")

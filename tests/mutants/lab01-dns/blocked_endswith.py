# mutant of blocked_answer: compares the ends of the strings, not labels, so kermit.edu is
# taken for a name under mit.edu
def blocked(name, entries):
    def normal(text):
        return text.rstrip(".").encode("idna").decode("ascii").lower()

    name = normal(name)
    return any(name.endswith(normal(entry)) for entry in entries)

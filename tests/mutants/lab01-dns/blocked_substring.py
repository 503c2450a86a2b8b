# mutant of blocked_answer: looks for the entry anywhere in the name, at a label boundary
# on the left only, so mit.edu.example is taken for a name under mit.edu
def blocked(name, entries):
    def normal(text):
        return text.rstrip(".").encode("idna").decode("ascii").lower()

    name = "." + normal(name)
    return any("." + normal(entry) in name for entry in entries)

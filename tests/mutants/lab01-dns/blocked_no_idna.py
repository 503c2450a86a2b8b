# mutant of blocked_answer: lower case and no final dot, but no xn-- form, so bücher.example
# and xn--bcher-kva.example look like different names
def blocked(name, entries):
    def normal(text):
        return text.rstrip(".").lower()

    wanted = {normal(entry) for entry in entries}
    labels = normal(name).split(".")
    return any(".".join(labels[i:]) in wanted for i in range(len(labels)))

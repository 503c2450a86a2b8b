# mutant of blocked_answer: converts internationalised names but forgets upper case and the
# final dot, so WWW.MIT.EDU. is not under mit.edu
def blocked(name, entries):
    def normal(text):
        return text.encode("idna").decode("ascii")

    wanted = {normal(entry) for entry in entries}
    labels = normal(name).split(".")
    return any(".".join(labels[i:]) in wanted for i in range(len(labels)))

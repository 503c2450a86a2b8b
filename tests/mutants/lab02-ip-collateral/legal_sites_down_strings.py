# mutant of legal_sites_down_answer: compares addresses as strings, so a prefix blocks
# nothing and an IPv6 address written another way is missed
def legal_sites_down(table, infringing, entries, ip_version):
    versions = {4: (4,), 6: (6,), "dual": (4, 6)}[ip_version]
    listed = set(entries)
    down = []
    for name, addresses in table.items():
        usable = [a for a in addresses if (6 if ":" in a else 4) in versions]
        if name not in infringing and usable and all(a in listed for a in usable):
            down.append(name)
    return sorted(down)

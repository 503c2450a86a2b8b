# mutant of legal_sites_down_answer: right, but through the forbidden shortcut (lesson 03's
# unreachable() with cs.Blocklist.matches), which the task asks the student to write
import ipaddress

import censorsim as cs


def legal_sites_down(table, infringing, entries, ip_version):
    versions = {4: (4,), 6: (6,), "dual": (4, 6)}[ip_version]
    blocklist = cs.Blocklist(list(entries))
    down = []
    for name, addresses in table.items():
        usable = [a for a in map(ipaddress.ip_address, addresses) if a.version in versions]
        if name not in infringing and usable and all(blocklist.matches(a) for a in usable):
            down.append(name)
    return sorted(down)

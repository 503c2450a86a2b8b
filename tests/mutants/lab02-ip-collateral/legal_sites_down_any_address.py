# mutant of legal_sites_down_answer: counts a site as down when ANY of its usable addresses
# is blocked, though the browser connects through the others
import ipaddress


def legal_sites_down(table, infringing, entries, ip_version):
    versions = {4: (4,), 6: (6,), "dual": (4, 6)}[ip_version]
    networks = [ipaddress.ip_network(entry) for entry in entries]
    down = []
    for name, addresses in table.items():
        usable = [a for a in map(ipaddress.ip_address, addresses) if a.version in versions]
        if name not in infringing and any(any(a in n for n in networks) for a in usable):
            down.append(name)
    return sorted(down)

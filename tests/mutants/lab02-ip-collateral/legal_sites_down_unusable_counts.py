# mutant of legal_sites_down_answer: forgets that all() of nothing is True, so a site with no
# address the clients can use (an IPv4-only site, for IPv6 clients) is counted as down
import ipaddress


def legal_sites_down(table, infringing, entries, ip_version):
    versions = {4: (4,), 6: (6,), "dual": (4, 6)}[ip_version]
    networks = [ipaddress.ip_network(entry) for entry in entries]
    down = []
    for name, addresses in table.items():
        usable = [a for a in map(ipaddress.ip_address, addresses) if a.version in versions]
        if name not in infringing and all(any(a in n for n in networks) for a in usable):
            down.append(name)
    return sorted(down)

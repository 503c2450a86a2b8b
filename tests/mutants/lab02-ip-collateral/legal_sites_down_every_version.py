# mutant of legal_sites_down_answer: looks at every address of a site whatever the client's
# IP version, so a dual-stack site whose IPv4 addresses are all blocked still counts as up
# for IPv4-only clients
import ipaddress


def legal_sites_down(table, infringing, entries, ip_version):
    networks = [ipaddress.ip_network(entry) for entry in entries]
    down = []
    for name, addresses in table.items():
        usable = [ipaddress.ip_address(a) for a in addresses]
        if name not in infringing and all(any(a in n for n in networks) for a in usable):
            down.append(name)
    return sorted(down)

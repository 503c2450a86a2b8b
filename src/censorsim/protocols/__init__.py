"""Protocol endpoints without I/O: TCP, TLS, HTTP/1.1, DNS, and the web servers
and relaying proxies built on them.

Each endpoint takes bytes (or segments) and time, and returns what to send, as h11 does;
drivers on hosts (:class:`~censorsim.protocols.tcp.TCPStack`, the resolvers' UDP
handlers) connect them to the network.
"""

from censorsim.protocols import dns, http, proxy, tcp, tls, web

__all__ = ["dns", "http", "proxy", "tcp", "tls", "web"]

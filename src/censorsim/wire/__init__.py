"""What travels on the simulated wire: packets as real bytes, and the parsers that read them.

Theory of operation
-------------------
A censor can only act on what it sees in the bytes of a packet. This package holds those
bytes and the parsers a censor (or a student) uses to read them, one module per concept:

* :mod:`~censorsim.wire.ip`: :class:`Packet`, one IPv4 or IPv6 datagram carrying TCP,
  UDP or ICMP, with real headers and checksums (:meth:`Packet.to_bytes`,
  :meth:`Packet.from_bytes`), and the ICMP errors routers send (:func:`icmp_error`);
* :mod:`~censorsim.wire.dns`: DNS messages in dnspython's wire format;
* :mod:`~censorsim.wire.tls`: :func:`parse_client_hello` and :func:`extract_sni`, the
  parsers an SNI filter runs (lesson 04);
* :mod:`~censorsim.wire.quic`: :func:`extract_quic_sni`, the same name read from a QUIC
  Initial packet (its keys derived from the packet itself), and :func:`build_quic_initial`;
* :mod:`~censorsim.wire.ech`: Encrypted Client Hello: ECH configurations as DNS HTTPS
  records carry them, :func:`seal_client_hello` and :func:`open_client_hello`;
* :mod:`~censorsim.wire.http`: :func:`extract_host`, what an HTTP filter reads;
* :mod:`~censorsim.wire.describe`: one line per packet, as lesson 01 names things;
* :mod:`~censorsim.wire.pcap`: raw-IP pcap files for Wireshark and tshark.

Parsers never trust a length field: bytes that are a valid beginning of a message raise
:class:`Incomplete`, anything else that is not the message raises :class:`MalformedPacket`.
Nothing here performs I/O on a network; scapy is only imported to display packets.
"""

from censorsim.wire.describe import describe
from censorsim.wire.dns import dns_query, dns_summary, dns_to_wire, parse_dns
from censorsim.wire.ech import (
    ECH_VERSION,
    ECHConfig,
    ECHError,
    EncryptedClientHello,
    ech_config_for,
    ech_config_list,
    open_client_hello,
    parse_ech_config_list,
    parse_encrypted_client_hello,
    seal_client_hello,
)
from censorsim.wire.errors import Incomplete, MalformedPacket
from censorsim.wire.http import extract_host
from censorsim.wire.ip import ICMP_KINDS, PROTOCOLS, TCP_FLAGS, IPAddress, Packet, icmp_error
from censorsim.wire.pcap import read_pcap, write_pcap
from censorsim.wire.quic import (
    QUIC_V1,
    QUIC_V2,
    QuicFrame,
    QuicInitial,
    QuicKeys,
    QuicPacket,
    build_quic_initial,
    extract_quic_sni,
    parse_quic_initial,
    quic_initial_keys,
)
from censorsim.wire.tls import (
    EXTENSION_NAMES,
    ClientHello,
    extract_sni,
    first_record,
    parse_client_hello,
    split_into_records,
)

__all__ = [
    "Packet",
    "IPAddress",
    "PROTOCOLS",
    "TCP_FLAGS",
    "ICMP_KINDS",
    "icmp_error",
    "MalformedPacket",
    "Incomplete",
    "dns_query",
    "parse_dns",
    "dns_to_wire",
    "dns_summary",
    "ClientHello",
    "parse_client_hello",
    "extract_sni",
    "split_into_records",
    "first_record",
    "EXTENSION_NAMES",
    "extract_host",
    "describe",
    "write_pcap",
    "read_pcap",
    "QUIC_V1",
    "QUIC_V2",
    "QuicFrame",
    "QuicPacket",
    "QuicInitial",
    "QuicKeys",
    "quic_initial_keys",
    "parse_quic_initial",
    "extract_quic_sni",
    "build_quic_initial",
    "ECH_VERSION",
    "ECHConfig",
    "ECHError",
    "EncryptedClientHello",
    "ech_config_list",
    "parse_ech_config_list",
    "ech_config_for",
    "seal_client_hello",
    "open_client_hello",
    "parse_encrypted_client_hello",
]

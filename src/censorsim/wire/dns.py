"""DNS messages on the wire: dnspython's wire format, built and parsed without I/O (lesson 01).

Every DNS message in the simulator is a :class:`dns.message.Message` serialised by
dnspython, so the bytes a censor reads are the bytes a real resolver would send. These are
the few helpers the rest of the package shares: build a query, write a message with its
records in a fixed order, parse bytes (anything that is not DNS raises
:class:`~censorsim.wire.MalformedPacket`), and summarise a message in one line.
"""

from __future__ import annotations

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype

from censorsim.wire.errors import MalformedPacket

__all__ = ["dns_query", "parse_dns", "dns_to_wire", "dns_summary"]


def dns_query(qname: str, rdtype: str = "A", *, id: int, recursion_desired: bool = True) -> bytes:
    """The wire bytes of a DNS query for ``qname`` (dnspython's ``make_query``, lesson 01)."""
    message = dns.message.make_query(qname, rdtype, id=id)
    if not recursion_desired:
        message.flags &= ~dns.flags.RD
    return message.to_wire()


def dns_to_wire(message: dns.message.Message) -> bytes:
    """Wire bytes of a DNS message, records in the order given.

    dnspython shuffles the records of each set with Python's global ``random`` unless
    told not to; the simulator must give the same bytes on every run.
    """
    return message.to_wire(want_shuffle=False)


def parse_dns(data: bytes) -> dns.message.Message:
    """Parse DNS wire bytes with dnspython; anything that is not DNS raises MalformedPacket."""
    try:
        return dns.message.from_wire(data)
    except dns.exception.DNSException as exc:
        raise MalformedPacket(f"not a DNS message: {exc}") from None
    except (ValueError, IndexError, UnicodeError) as exc:  # defensive: dnspython internals
        raise MalformedPacket(f"not a DNS message: {exc}") from None


def dns_summary(message: dns.message.Message) -> str:
    """``"query A bakery.example"`` or ``"answer A bakery.example -> 203.0.113.10"``."""
    if not message.question:
        return "DNS message without a question"
    q = message.question[0]
    name = q.name.to_text(omit_final_dot=True)
    rdtype = dns.rdatatype.to_text(q.rdtype)
    if not message.flags & dns.flags.QR:
        return f"DNS query {rdtype} {name}"
    rcode = message.rcode()
    if rcode != dns.rcode.NOERROR:
        return f"DNS answer {rdtype} {name}: {dns.rcode.to_text(rcode)}"
    addresses = [
        rd.to_text() for rrset in message.answer for rd in rrset if rrset.rdtype == q.rdtype
    ]
    if not addresses:
        return f"DNS answer {rdtype} {name}: no {rdtype} records"
    return f"DNS answer {rdtype} {name} -> {', '.join(addresses)}"

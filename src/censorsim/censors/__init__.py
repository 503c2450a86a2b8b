"""Censor rules, named ``<Action>On<Trigger>`` and grouped by layer, and their engine.

Add rules to an ISP's engine: ``world.isp.censor.add(ResetOnSNI(Blocklist(["x.example"])))``.
Rules run in order and the first match wins. Resolver rules act in the ISP's resolver;
all others act on packets crossing the ISP's border.

=================== ============================== =========================================
layer               rule                           what the subscriber sees
=================== ============================== =========================================
DNS (resolver)      NXDomainOnQName                ``dns:nxdomain``
DNS (resolver)      RefuseOnQName                  ``dns:refused``
DNS (resolver)      IgnoreOnQName                  ``dns:timeout``
DNS (resolver)      SinkholeOnQName                a useless address (``tcp:refused``...)
DNS (resolver)      BlockpageOnQName               the block page (451), or on https
                                                   ``tls:certificate-hostname``
DNS (on path)       SpoofDNSOnQName                a forged address, the real one too late
DNS (on path)       SpoofNXDomainOnQName           ``dns:nxdomain``, the real answer too late
DNS (on path)       DropDNSOnQName                 ``dns:timeout`` (or ``dns:servfail``
                                                   when the ISP's resolver asks upstream)
IP                  DropOnIP                       ``tcp:timeout``
IP                  ResetOnIP                      ``tcp:refused``
IP                  BlockpageOnIP                  the block page (451), or on https
                                                   ``tls:certificate-hostname``
IP                  ThrottleOnIP                   a slow page, for every site on the address
IP                  DropOnPort                     every flow on the port dropped (UDP 443:
                                                   QUIC fails, browsers fall back to TCP)
TLS                 DropOnSNI                      ``tls:timeout``
TLS                 ResetOnSNI                     ``tls:reset``
TLS                 CloseOnSNI                     ``tls:eof``
TLS                 ThrottleOnSNI                  a slow page
TLS                 DropOnECH                      ``tls:timeout`` for hellos carrying ECH
TLS                 ResetOnECH                     ``tls:reset`` for hellos carrying ECH
HTTP                BlockpageOnHost                a 451 block page (plaintext HTTP only)
HTTP                ResetOnHost                    ``http:reset``
HTTP                DropOnHost                     ``http:timeout``
HTTP                CloseOnHost                    ``http:eof``
=================== ============================== =========================================

``RULES`` lists them by layer; each module's ``__all__`` is the one list of its names.
"""

from censorsim.censors import dns, engine, http, ip, sni
from censorsim.censors.dns import *  # noqa: F403
from censorsim.censors.engine import *  # noqa: F403
from censorsim.censors.http import *  # noqa: F403
from censorsim.censors.ip import *  # noqa: F403
from censorsim.censors.sni import *  # noqa: F403


def _rules(module, kind) -> tuple[str, ...]:
    return tuple(
        name
        for name in module.__all__
        if isinstance(getattr(module, name), type) and issubclass(getattr(module, name), kind)
    )


#: Every rule class by layer, read from each module's ``__all__`` (the one list of its names).
RULES = {
    "resolver": _rules(dns, engine.ResolverRule),
    "dns": _rules(dns, engine.Rule),
    "ip": _rules(ip, engine.Rule),
    "tls": _rules(sni, engine.Rule),
    "http": _rules(http, engine.Rule),
}

__all__ = [*engine.__all__, "RULES", *(name for names in RULES.values() for name in names)]

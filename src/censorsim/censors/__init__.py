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
DNS (resolver)      BlockpageOnQName               the block page (451, or ``tls:certificate``)
DNS (on path)       SpoofDNSOnQName                a forged address, the real one too late
DNS (on path)       DropDNSOnQName                 ``dns:timeout``
IP                  DropOnIP                       ``tcp:timeout``
IP                  ResetOnIP                      ``tcp:refused``
TLS                 DropOnSNI                      ``tls:timeout``
TLS                 ResetOnSNI                     ``tls:reset``
TLS                 ThrottleOnSNI                  a slow page
HTTP                BlockpageOnHost                a 451 block page (plaintext HTTP only)
=================== ============================== =========================================
"""

from censorsim.censors.dns import (
    BlockpageOnQName,
    DropDNSOnQName,
    IgnoreOnQName,
    NXDomainOnQName,
    RefuseOnQName,
    SinkholeOnQName,
    SpoofDNSOnQName,
)
from censorsim.censors.engine import CensorEngine, Flow, Rule, Verdict
from censorsim.censors.http import BlockpageOnHost
from censorsim.censors.ip import DropOnIP, ResetOnIP
from censorsim.censors.sni import DropOnSNI, ResetOnSNI, ThrottleOnSNI

__all__ = [
    "CensorEngine",
    "Flow",
    "Rule",
    "Verdict",
    "NXDomainOnQName",
    "RefuseOnQName",
    "IgnoreOnQName",
    "SinkholeOnQName",
    "BlockpageOnQName",
    "SpoofDNSOnQName",
    "DropDNSOnQName",
    "DropOnIP",
    "ResetOnIP",
    "DropOnSNI",
    "ResetOnSNI",
    "ThrottleOnSNI",
    "BlockpageOnHost",
]

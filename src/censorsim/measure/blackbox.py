"""A world in another process: measure it, you cannot read it (lab 04).

Theory of operation
-------------------
A detective lab hands the student's code a network whose censors it must find by
measuring. If the world lived in the student's Python process, the answer would be one
attribute away (``world.isp.censor.rules``), and a line of monkeypatching in an answer
cell (``CensorEngine.add = spy``) would record every rule as the lab built it. So the
world is built in another process, a *blackbox server*: a fresh interpreter
(``python -I -m censorsim.measure.blackbox``: no ``PYTHONPATH``, no user site, a
minimal environment) that imports the simulator from its installed files, untouched by
anything the notebook did.

What crosses between the two processes:

* to the server, JSON only: a *recipe* (:mod:`censorsim.worlds.recipe`, data that names
  builders, never code) and calls of the :class:`~censorsim.measure.probe.Probe` methods
  with plain arguments. Nothing the notebook sends can run code in the server;
* back, the results of those calls: the same objects a local probe returns (a
  :class:`~censorsim.FetchResult` whose ``trace`` is only the probe's own packet
  capture...), pickled by the server and read by the notebook.

:class:`RemoteProbe` has the methods of a :class:`~censorsim.measure.probe.Probe` and
gives the same results, so the same detective code runs on a local world while a student
learns, and on a blackbox when it is graded. The server hosts many worlds, each under an
unguessable token, and lives until the notebook's kernel ends (it stops when its input
closes).

**The ground truth.** :meth:`Blackbox.build` can also *judge* a list of ``(client,
url)`` questions: on a second copy of the world, built from the same recipe, it fetches
each URL as that client's browser does (every resolver's cache emptied first) and reports
which placed rule acted first on the fetch (:func:`judge_fetch`): its mechanism
(:data:`MECHANISMS`), its matching mode, where it sits and at which hop a traceroute
meets it. The truth goes back to the caller of ``build`` only, once; no call can ask for
it later, and the objects handed to a detective do not hold it.
"""

from __future__ import annotations

import json
import os
import pickle
import secrets
import struct
import subprocess
import sys
from dataclasses import dataclass

from censorsim.measure.probe import PROBE_METHODS, Probe

__all__ = [
    "Blackbox",
    "RemoteProbe",
    "Truth",
    "MECHANISMS",
    "judge_fetch",
    "stop_server",
]

#: The mechanism each censor rule stands for: what stops (or slows) a fetch, by trigger
#: and action, in the words of lab 04.
MECHANISMS = {
    "NXDomainOnQName": "dns-resolver",
    "RefuseOnQName": "dns-resolver",
    "IgnoreOnQName": "dns-resolver",
    "SinkholeOnQName": "dns-resolver",
    "BlockpageOnQName": "dns-resolver",
    "SpoofDNSOnQName": "dns-injection",
    "SpoofNXDomainOnQName": "dns-injection",
    "DropDNSOnQName": "dns-drop",
    "DropOnIP": "ip-drop",
    "ResetOnIP": "ip-reset",
    "BlockpageOnIP": "ip-blockpage",
    "ThrottleOnIP": "throttle",
    "DropOnPort": "port-drop",
    "DropOnSNI": "sni-drop",
    "ResetOnSNI": "sni-reset",
    "CloseOnSNI": "sni-close",
    "ThrottleOnSNI": "throttle",
    "DropOnECH": "ech-drop",
    "ResetOnECH": "ech-reset",
    "BlockpageOnHost": "http-blockpage",
    "ResetOnHost": "http-reset",
    "DropOnHost": "http-drop",
    "CloseOnHost": "http-close",
}

_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "HOME", "TMPDIR", "SYSTEMROOT")
_ERRORS = {"ValueError": ValueError, "TypeError": TypeError, "KeyError": KeyError}


@dataclass(frozen=True)
class Truth:
    """What stopped (or slowed) one fetch, as the world's own records say.

    ``mechanism`` is ``"none"`` or a value of :data:`MECHANISMS`; ``rule`` the class name
    of the rule that acted first (None for ``"none"``); ``mode`` its block list's
    matching mode (``"exact"``, ``"suffix"``, ``"substring"``, ``"regex"``, or None for a
    rule without a list); ``where`` where that rule sits: ``"resolver"`` (in the ISP's
    resolver), ``"line"`` (the subscriber's access link), ``"isp"`` (the ISP's border) or
    ``"gateway"``; ``hop`` the TTL at which a traceroute from the client meets it (None
    for rules in a resolver); ``failure`` and ``ok`` what the fetch itself reported.
    """

    client: str
    url: str
    mechanism: str
    rule: str | None
    mode: str | None
    where: str | None
    hop: int | None
    failure: str | None
    ok: bool


# -- the judge -------------------------------------------------------------------------------
def _placed_rules(world) -> dict[str, tuple]:
    """``{repr(rule): (rule, where, router name)}`` for every rule placed in ``world``."""
    from censorsim.censors.engine import CensorEngine

    found: dict[str, tuple] = {}
    for network in world.networks.values():
        engine = network.censor
        if isinstance(engine, CensorEngine):
            where = "gateway" if network.kind == "gateway" else "isp"
            for rule in engine.rules:
                found.setdefault(repr(rule), (rule, where, network.router.name))
    for host in world.hosts.values():
        link = host.link
        if link is not None and isinstance(link.censor, CensorEngine) and link.inside is host:
            for rule in link.censor.rules:
                found.setdefault(repr(rule), (rule, "line", link.owner.name))
    return found


def _empty_caches(world) -> None:
    for host in world.hosts.values():
        resolver = getattr(host, "resolver", None)
        cache = getattr(resolver, "cache", None)
        if cache is not None and hasattr(cache, "clear"):
            cache.clear()
    for client in world.clients.values():
        client.flush_dns()


def judge_fetch(world, client_name: str, url: str, rules: dict | None = None) -> Truth:
    """Fetch ``url`` as client ``client_name`` does, and say which placed rule acted first.

    Every resolver's cache is emptied first, so that a forged answer cached by an earlier
    fetch does not hide the rule that forged it.
    """
    rules = _placed_rules(world) if rules is None else rules
    client = world.clients[client_name]
    _empty_caches(world)
    result = client.fetch(url)
    for _time, _hop, _kind, _packet, verdict, _note, _uid, _ttl in result.trace._raw:
        if verdict is None or verdict.rule not in rules:
            continue
        rule, where, router = rules[verdict.rule]
        name = type(rule).__name__
        blocklist = getattr(rule, "blocklist", None)
        mode = getattr(blocklist, "match_mode", None)
        hop = None
        if verdict.action.startswith("resolver-"):
            where = "resolver"
        elif where == "line":
            hop = 1
        else:
            path = world.path(client.host.name, router)
            hop = len(path)  # the client, then routers up to the censor's: TTL one more
        return Truth(
            client_name, url, MECHANISMS.get(name, name), name, mode, where, hop,
            result.failure, result.ok,
        )  # fmt: skip
    return Truth(client_name, url, "none", None, None, None, None, result.failure, result.ok)


# -- the server ------------------------------------------------------------------------------
class _Worlds:
    """The server's state: worlds by token, and their probes."""

    def __init__(self) -> None:
        self.worlds: dict[str, object] = {}

    def handle(self, message: dict):
        op = message.get("op")
        if op == "build":
            return self.build(message)
        if op == "call":
            return self.call(message)
        if op == "close":
            self.worlds.pop(message.get("world"), None)
            return None
        if op == "ping":
            return "pong"
        raise ValueError(f"unknown operation {op!r}")

    def build(self, message: dict):
        from censorsim.worlds.recipe import build

        recipe = message.get("recipe")
        questions = message.get("judge") or []
        if not isinstance(questions, list) or not all(
            isinstance(q, list) and len(q) == 2 and all(isinstance(x, str) for x in q)
            for q in questions
        ):
            raise ValueError("judge: expected a list of [client name, url] pairs")
        deny = message.get("deny") or []
        if not isinstance(deny, list) or not all(d in PROBE_METHODS for d in deny):
            raise ValueError(f"deny: expected a list of probe methods, from {list(PROBE_METHODS)}")
        world = build(recipe)
        truths = []
        if questions:
            copy = build(recipe)
            rules = _placed_rules(copy)
            for client_name, url in questions:
                if client_name not in copy.clients:
                    raise ValueError(f"judge: no client {client_name!r}")
                truths.append(judge_fetch(copy, client_name, url, rules))
        token = secrets.token_hex(16)
        self.worlds[token] = (world, frozenset(deny))
        control = world.control.name if world.control is not None else None
        return {"world": token, "clients": sorted(world.clients), "control": control}, truths

    def call(self, message: dict):
        entry = self.worlds.get(message.get("world"))
        if entry is None:
            raise ValueError("this blackbox world was closed")
        world, denied = entry
        method = message.get("method")
        if method not in PROBE_METHODS:
            raise ValueError(f"a probe has no method {method!r}; it has {list(PROBE_METHODS)}")
        if method in denied:
            raise ValueError(f"probe.{method} is not allowed here (see the task's rules)")
        args = message.get("args") or []
        kwargs = message.get("kwargs") or {}
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise ValueError("call: args must be a list and kwargs a dict")
        probe = Probe(world, message.get("client"))
        return getattr(probe, method)(*args, **kwargs)


def _serve(stdin, stdout) -> None:
    """Answer requests (one JSON object per line) until the input ends."""
    worlds = _Worlds()
    while True:
        line = stdin.readline()
        if not line:
            return
        try:
            message = json.loads(line)
            if not isinstance(message, dict):
                raise ValueError("a request is a JSON object")
            reply = ("ok", worlds.handle(message))
        except Exception as exc:  # noqa: BLE001 - every error goes back to the caller
            reply = ("error", type(exc).__name__, str(exc))
        try:
            data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - an answer that cannot travel
            data = pickle.dumps(("error", "RuntimeError", f"cannot send the answer: {exc}"))
        stdout.write(struct.pack("!Q", len(data)) + data)
        stdout.flush()


def main() -> None:
    """The server's entry point: the protocol on stdin and stdout; anything printed by the
    simulator goes nowhere (stdout is kept for the protocol alone)."""
    stdin = sys.stdin.buffer
    stdout = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    devnull = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
    sys.stdout = sys.stderr = devnull
    _serve(stdin, stdout)


# -- the notebook's side ---------------------------------------------------------------------
class _Server:
    """One blackbox server process, started on first use."""

    def __init__(self) -> None:
        env = {k: v for k, v in os.environ.items() if k in _ENVIRONMENT}
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-m", "censorsim.measure.blackbox"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def request(self, message: dict):
        line = json.dumps(message, allow_nan=False).encode() + b"\n"
        try:
            self.process.stdin.write(line)
            self.process.stdin.flush()
            header = self.process.stdout.read(8)
            if len(header) < 8:
                raise EOFError
            (size,) = struct.unpack("!Q", header)
            data = self.process.stdout.read(size)
            if len(data) < size:
                raise EOFError
        except (EOFError, BrokenPipeError, OSError):
            self.stop()
            raise RuntimeError(
                "the blackbox server stopped: run `python -I -m censorsim.measure.blackbox "
                "< /dev/null` to see why"
            ) from None
        reply = pickle.loads(data)  # noqa: S301 - from our own server, never from a user
        if reply[0] == "error":
            raise _ERRORS.get(reply[1], RuntimeError)(reply[2])
        return reply[1]

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


_SERVER: list[_Server] = []


def _server() -> _Server:
    if not _SERVER or not _SERVER[0].alive():
        _SERVER[:] = [_Server()]
    return _SERVER[0]


def stop_server() -> None:
    """Stop this process's blackbox server (the next :class:`Blackbox` starts another)."""
    while _SERVER:
        _SERVER.pop().stop()


def _plain(value, what: str):
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise TypeError(
            f"{what}={value!r}: a blackbox probe takes plain values (str, int, float, None)"
        ) from None
    return value


class RemoteProbe:
    """A :class:`~censorsim.measure.probe.Probe` whose world is in the blackbox server:
    the same methods, the same results; nothing of the world is in this process."""

    __slots__ = ("_server", "_world", "_client", "_control", "name")

    def __init__(self, server: _Server, world: str, client: str, control: str | None):
        self._server, self._world, self._client, self._control = server, world, client, control
        self.name = client

    def __repr__(self) -> str:
        return f"<RemoteProbe {self.name} (a world in another process)>"

    @property
    def control(self) -> RemoteProbe:
        """The same tools on the world's control, outside every censor."""
        if self._control is None:
            raise ValueError("this world has no control vantage point")
        return RemoteProbe(self._server, self._world, self._control, self._control)

    def _call(self, method: str, args: tuple, kwargs: dict):
        return self._server.request(
            {
                "op": "call",
                "world": self._world,
                "client": self._client,
                "method": method,
                "args": [_plain(a, "argument") for a in args],
                "kwargs": {k: _plain(v, k) for k, v in kwargs.items()},
            }
        )

    # the measurements (each one a call in the server; the same as Probe's)
    def fetch(self, url, *, resolver=None, split_hello=None):
        return self._call("fetch", (url,), {"resolver": resolver, "split_hello": split_hello})

    def resolve(self, name, rdtype="A", *, resolver=None, wait=0.0):
        return self._call("resolve", (name, rdtype), {"resolver": resolver, "wait": wait})

    def get(self, address, name, *, scheme="https", path="/", port=None, split_hello=None):
        options = {"scheme": scheme, "path": path, "port": port, "split_hello": split_hello}
        return self._call("get", (address, name), options)

    def traceroute(self, target, *, proto="tcp", port=None, payload=None, server_name=None,
                   max_ttl=16, timeout=2.0):  # fmt: skip
        options = {"proto": proto, "port": port, "payload": payload,
                   "server_name": server_name, "max_ttl": max_ttl, "timeout": timeout}  # fmt: skip
        return self._call("traceroute", (target,), options)

    def web_connectivity(self, url):
        return self._call("web_connectivity", (url,), {})

    def locate_censor(self, url, *, max_ttl=16):
        return self._call("locate_censor", (url,), {"max_ttl": max_ttl})

    def asn(self, address):
        return self._call("asn", (address,), {})

    def network_of(self, address):
        return self._call("network_of", (address,), {})

    def info(self):
        return self._call("info", (), {})

    @property
    def network(self) -> str:
        """The name of the network the probe is in (its ISP)."""
        return self._call("info", (), {})["network"]

    @property
    def address(self) -> str:
        """The probe's own (first) address."""
        return self._call("info", (), {})["address"]

    @property
    def resolver(self) -> str:
        """The resolver the probe's system uses."""
        return self._call("info", (), {})["resolver"]


for _method in PROBE_METHODS:
    getattr(RemoteProbe, _method).__doc__ = getattr(Probe, _method).__doc__
del _method


class Blackbox:
    """A world built from a recipe in the blackbox server; ``box.probe(name)`` measures it.

    Build one with :meth:`build`. ``clients`` are the names of its clients (each can be a
    probe) and ``control`` the name of its control. :meth:`close` frees the world.
    """

    __slots__ = ("_server", "_world", "clients", "control")

    def __init__(self, server: _Server, world: str, clients: list[str], control: str | None):
        self._server, self._world = server, world
        self.clients, self.control = tuple(clients), control

    @classmethod
    def build(cls, recipe: dict, *, judge: list | None = None, deny: tuple = ()):
        """The world ``recipe`` describes, built in the blackbox server.

        Without ``judge``, returns the :class:`Blackbox`. With ``judge``, a list of
        ``(client name, url)``, returns ``(blackbox, truths)``: one :class:`Truth` per
        question, found on a copy of the world (see the module's docstring). ``deny``
        names probe methods that this world's probes refuse (a lab's rule: the server
        refuses them, whatever the notebook does).
        """
        server = _server()
        questions = None if judge is None else [[str(c), str(u)] for c, u in judge]
        request = {"op": "build", "recipe": recipe, "judge": questions or [], "deny": list(deny)}
        info, truths = server.request(request)
        box = cls(server, info["world"], info["clients"], info["control"])
        return box if judge is None else (box, list(truths))

    def __repr__(self) -> str:
        return f"<Blackbox: a world of {len(self.clients)} clients in another process>"

    def probe(self, client: str) -> RemoteProbe:
        """The probe on client ``client`` of this world."""
        if client not in self.clients:
            raise ValueError(f"client={client!r}: this world's clients are {list(self.clients)}")
        return RemoteProbe(self._server, self._world, client, self.control)

    def close(self) -> None:
        """Free the world in the server (its probes stop working)."""
        if self._server.alive():
            self._server.request({"op": "close", "world": self._world})


if __name__ == "__main__":
    # run the module's own copy, so that what it pickles names censorsim.measure.blackbox
    from censorsim.measure.blackbox import main as _main

    _main()

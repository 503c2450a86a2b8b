"""Real TLS in memory: a simulated certificate authority and TLS endpoints without sockets.

Theory of operation
-------------------
Every TLS byte in the simulator comes from a real handshake between two Python ``ssl``
objects (OpenSSL) talking through memory buffers (``ssl.MemoryBIO``): the ClientHello a
censor reads is the one OpenSSL wrote, with the server name in clear (lesson 01), and the
rest is really encrypted. Certificates for every host name are minted by a simulated
certificate authority with the ``cryptography`` package (elliptic-curve P-256 keys),
created once per world and cached. Clients trust that CA only, so a block page that
answers for a name it does not own fails certificate verification, as in a browser.

Determinism. A handshake consumes random bytes (client and server randoms, key shares,
signature nonces), so two runs would normally differ. While the simulator drives a TLS
object, OpenSSL's random source is switched to a generator seeded by the world
(``RAND_set_rand_method``, the documented OpenSSL hook for a replacement generator) and
switched back before the call returns; certificate keys are derived from the seed and
signed with deterministic ECDSA (RFC 6979). The same seed therefore gives the same bytes.
These keys are predictable by design: they protect nothing and never leave the
simulation. Where the hook is unavailable (an OpenSSL built without it), handshakes still
work and only byte-for-byte repeatability is lost; :data:`DETERMINISTIC` says which case
holds.

OpenSSL's random method is one per process, so the switch is made under a process-wide
lock: simulations in several threads take turns inside OpenSSL (each with its own
world's generator) and give the same bytes as run one after the other. Other code of the
same process that uses OpenSSL in another thread at that moment would draw from the
simulation's generator: do not run real TLS in the simulation's process while it runs.

Time. Certificates are checked against the world's virtual clock, not the machine's:
before each handshake the client context's verification time is set to the world's
epoch plus its virtual time (``X509_VERIFY_PARAM_set_time``), so a machine whose clock
is wrong (or a test run under ``faketime``) gets the same results, and a certificate
that expires at a virtual date expires then.
"""

from __future__ import annotations

import ctypes
import datetime
import getpass
import hashlib
import os
import random
import ssl
import tempfile
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "CertificateAuthority",
    "TLSClientSession",
    "TLSServerSession",
    "TLSError",
    "DETERMINISTIC",
    "VIRTUAL_TIME",
    "deterministic_random",
]

# -- OpenSSL's random source, seeded while the simulator runs a handshake ----------------
_BYTES = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_ubyte), ctypes.c_int)
_SEED = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
_CLEANUP = ctypes.CFUNCTYPE(None)
_ADD = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_double)
_STATUS = ctypes.CFUNCTYPE(ctypes.c_int)


class _RandMethod(ctypes.Structure):  # struct rand_meth_st, openssl/rand.h
    _fields_ = [
        ("seed", _SEED),
        ("bytes", _BYTES),
        ("cleanup", _CLEANUP),
        ("add", _ADD),
        ("pseudorand", _BYTES),
        ("status", _STATUS),
    ]


class _SeededOpenSSLRandom:
    def __init__(self) -> None:
        self.rng: random.Random | None = None
        self.available = False
        self.depth = 0
        self.lock = threading.RLock()  # one switch at a time, in the whole process
        try:
            import _ssl

            lib = ctypes.CDLL(_ssl.__file__)
            self._get = lib.RAND_get_rand_method
            self._set = lib.RAND_set_rand_method
        except (OSError, AttributeError, ImportError):
            return
        self._get.restype = ctypes.c_void_p
        self._set.argtypes = [ctypes.c_void_p]
        self._set.restype = ctypes.c_int
        self._callbacks = (
            _SEED(lambda buf, num: 1),
            _BYTES(self._fill),
            _CLEANUP(lambda: None),
            _ADD(lambda buf, num, entropy: 1),
            _BYTES(self._fill),
            _STATUS(lambda: 1),
        )
        self._method = _RandMethod(*self._callbacks)
        self._previous = None
        self.available = True

    def _fill(self, buf, num: int) -> int:
        rng = self.rng
        if rng is None:  # cannot happen while installed; fail closed rather than guess
            return 0
        ctypes.memmove(buf, rng.randbytes(num), num)
        return 1

    def use(self, rng: random.Random) -> _Installed:
        """``with use(rng):`` OpenSSL draws its random bytes from ``rng`` (under the lock)."""
        return _Installed(self, rng)


class _Installed:
    """The context manager of :meth:`_SeededOpenSSLRandom.use` (a class: cheaper than a
    generator-based one, and it runs a dozen times per fetch)."""

    __slots__ = ("source", "rng", "outer")

    def __init__(self, source: _SeededOpenSSLRandom, rng: random.Random):
        self.source, self.rng = source, rng

    def __enter__(self) -> None:
        source = self.source
        source.lock.acquire()
        if not source.available:
            return
        if source.depth == 0:
            source._previous = source._get()
            source._set(ctypes.addressof(source._method))
        self.outer, source.rng = source.rng, self.rng
        source.depth += 1

    def __exit__(self, *exc) -> None:
        source = self.source
        try:
            if source.available:
                source.depth -= 1
                source.rng = self.outer
                if source.depth == 0:
                    source._set(source._previous)
        finally:
            source.lock.release()


class _VerifyTime:
    """Sets the time OpenSSL checks certificates against, on a Python SSLContext.

    Python's ssl module has no API for it; OpenSSL's is ``X509_VERIFY_PARAM_set_time``
    on the context's parameters. The context's ``SSL_CTX *`` is the first field after the
    object header of CPython's ``PySSLContext``; it is checked (its options must read back
    as ``ctx.options``) before anything is written, and the feature stays off otherwise.
    """

    def __init__(self) -> None:
        self.available = False
        try:
            import _ssl

            lib = ctypes.CDLL(_ssl.__file__)
            self._param = lib.SSL_CTX_get0_param
            self._set_time = lib.X509_VERIFY_PARAM_set_time
            self._options = lib.SSL_CTX_get_options
        except (OSError, AttributeError, ImportError):
            return
        self._param.restype = ctypes.c_void_p
        self._param.argtypes = [ctypes.c_void_p]
        self._set_time.restype = None
        self._set_time.argtypes = [ctypes.c_void_p, ctypes.c_int64]
        self._options.restype = ctypes.c_uint64
        self._options.argtypes = [ctypes.c_void_p]
        probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        probe.options |= ssl.OP_NO_TICKET
        self.available = self._pointer(probe) is not None

    def _pointer(self, ctx: ssl.SSLContext) -> int | None:
        address = ctypes.c_void_p.from_address(id(ctx) + object.__basicsize__).value
        if not address or self._options(address) != int(ctx.options):
            return None
        return address

    def set(self, ctx: ssl.SSLContext, posix_seconds: float) -> bool:
        if not self.available:
            return False
        pointer = self._pointer(ctx)
        if pointer is None:
            return False
        param = self._param(pointer)
        if not param:
            return False
        self._set_time(param, int(posix_seconds))
        return True


_VERIFY_TIME = _VerifyTime()
VIRTUAL_TIME: bool = _VERIFY_TIME.available


_RANDOM = _SeededOpenSSLRandom()
DETERMINISTIC: bool = _RANDOM.available
deterministic_random = _RANDOM.use

# -- The simulated certificate authority -----------------------------------------------
_NOT_BEFORE = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
_NOT_AFTER = datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC)  # RFC 5280: no expiry
_WORKDIR: Path | None = None
_WORKDIR_LOCK = threading.Lock()
#: the most certificate files kept in the folder; older ones are removed (a context has
#: read its file when it was made, so removing it later costs nothing but a rewrite)
MAX_CERTIFICATE_FILES = 512


def _private_folder(path: Path) -> bool:
    """Whether ``path`` is a real folder owned by this user that nobody else can write."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    import stat

    if not stat.S_ISDIR(st.st_mode):
        return False  # a symlink or a file planted in its place
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not st.st_mode & 0o022


def _workdir() -> Path:
    """Where certificate files live: Python's ssl loads chains from files only.

    One folder per user in the temp folder, shared by every process of that user: file
    names are digests of their content's inputs (seed and names), and the content is
    deterministic, so processes reuse each other's files. The folder is only used when
    it is this user's own and nobody else can write into it (on a shared machine anyone
    could create ``/tmp/censorsim-tls-<uid>`` first); otherwise each process makes a
    private folder of its own, removed at exit.
    """
    global _WORKDIR
    with _WORKDIR_LOCK:
        if _WORKDIR is None:
            try:
                user = str(os.getuid())
            except AttributeError:  # Windows
                user = getpass.getuser()
            path = Path(tempfile.gettempdir()) / f"censorsim-tls-{user}"
            try:
                path.mkdir(mode=0o700, exist_ok=True)
            except OSError:
                pass
            if not _private_folder(path):
                import atexit
                import shutil

                path = Path(tempfile.mkdtemp(prefix="censorsim-tls-"))
                atexit.register(shutil.rmtree, path, True)
            _WORKDIR = path
        return _WORKDIR


def _write_once(path: Path, data: bytes) -> None:
    if path.exists() and path.read_bytes() == data:
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the new one
    _prune_if_full(path.parent)


def _prune_if_full(folder: Path) -> None:
    """Prune a folder that holds more than :data:`MAX_CERTIFICATE_FILES` files, down to three
    quarters of that. Counting names is cheap; reading every file's time is not (a full
    folder would otherwise cost hundreds of stat calls for each new certificate: a lab that
    builds a world with a fresh seed for each test writes dozens)."""
    try:
        count = sum(1 for name in os.listdir(folder) if name.endswith(".pem"))
    except OSError:
        return
    if count > MAX_CERTIFICATE_FILES:
        _prune(folder, keep=MAX_CERTIFICATE_FILES * 3 // 4)


def _prune(folder: Path, keep: int | None = None) -> None:
    """Keep at most ``keep`` certificate files, removing the least recently written."""
    keep = MAX_CERTIFICATE_FILES if keep is None else keep
    try:
        files = [(f.stat().st_mtime_ns, f) for f in folder.glob("*.pem")]
    except OSError:
        return
    if len(files) <= keep:
        return
    for _, old in sorted(files)[: len(files) - keep]:
        try:
            old.unlink()
        except OSError:
            pass  # another process removed it first


def _derived_key(seed: str) -> ec.EllipticCurvePrivateKey:
    digest = hashlib.sha256(seed.encode()).digest()
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    return ec.derive_private_key(int.from_bytes(digest, "big") % (order - 1) + 1, ec.SECP256R1())


class CertificateAuthority:
    """A certificate authority that only the simulated world trusts (lesson 01).

    ``issue(names)`` returns a server context whose certificate covers ``names``; results
    are cached, so each name's certificate is made once per authority.
    """

    def __init__(self, seed: object = 0, name: str = "Censorsim Root CA"):
        self.seed = str(seed)
        self.name = name
        self._key = _derived_key(f"{self.seed}/ca")
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self._key.public_key())
            .serial_number(1)
            .not_valid_before(_NOT_BEFORE)
            .not_valid_after(_NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self._key.public_key()), critical=False
            )
            .sign(self._key, hashes.SHA256(), ecdsa_deterministic=True)
        )
        self.pem = self.certificate.public_bytes(serialization.Encoding.PEM).decode()
        self._server_contexts: dict[tuple[str, ...], ssl.SSLContext] = {}
        self._client_contexts: dict[tuple, ssl.SSLContext] = {}
        self._serial = 1

    def __repr__(self) -> str:
        return f"<CertificateAuthority {self.name!r} seed={self.seed!r}>"

    def certificate_for(
        self, names: tuple[str, ...], *, not_after: datetime.datetime | None = None
    ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        """Mint a certificate whose subject alternative names are ``names``, valid from 2024
        until ``not_after`` (by default, for ever: RFC 5280's 9999-12-31)."""
        key = _derived_key(f"{self.seed}/{','.join(names)}")
        label = ",".join(names) + (f"|{not_after.isoformat()}" if not_after else "")
        serial = int.from_bytes(hashlib.sha256(label.encode()).digest()[:8], "big")
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(_NOT_BEFORE)
            .not_valid_after(not_after or _NOT_AFTER)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .sign(self._key, hashes.SHA256(), ecdsa_deterministic=True)
        ), key

    def server_context(
        self,
        names: tuple[str, ...] | list[str],
        *,
        shared: bool = True,
        not_after: datetime.datetime | None = None,
    ) -> ssl.SSLContext:
        """A TLS server context presenting a certificate for ``names``.

        Shared contexts are cached; ask for ``shared=False`` to get one of your own (a
        server that installs an SNI callback must not change a context others use).
        ``not_after`` makes a certificate that expires then (clients check it against the
        world's virtual time).
        """
        names = tuple(names)
        if not names or not all(isinstance(n, str) and n for n in names):
            raise ValueError(f"names={names!r}: expected one or more host names")
        key_ = (names, not_after)
        ctx = self._server_contexts.get(key_)
        if ctx is not None and shared:
            return ctx
        cert, key = self.certificate_for(names, not_after=not_after)
        label = f"{self.name}|{self.seed}|{names}|{not_after}"
        digest = hashlib.sha256(label.encode()).hexdigest()[:24]
        path = _workdir() / f"{digest}.pem"
        _write_once(
            path,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            + cert.public_bytes(serialization.Encoding.PEM)
            + self.certificate.public_bytes(serialization.Encoding.PEM),
        )
        # OpenSSL draws random bytes when it makes a context (ticket keys): never while
        # another thread's handshake has the seeded generator installed
        with _RANDOM.lock:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(path)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.num_tickets = 0  # session tickets carry wall-clock time: keep bytes repeatable
        ctx.options |= ssl.OP_NO_TICKET
        ctx.set_alpn_protocols(["http/1.1"])
        if shared:
            self._server_contexts[key_] = ctx
        return ctx

    def untrusted(self) -> CertificateAuthority:
        """Another authority, made from the same seed, that no client trusts: what a site
        whose certificate was signed by an unknown authority presents."""
        other = getattr(self, "_untrusted", None)
        if other is None:
            other = self._untrusted = CertificateAuthority(self.seed, name=f"Untrusted {self.name}")
        return other

    def client_context(
        self,
        *,
        maximum_version: ssl.TLSVersion | None = None,
        minimum_version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
        alpn=("http/1.1",),
    ) -> ssl.SSLContext:
        """A TLS client context that trusts this authority only (cached). An ECH client's
        inner hello offers TLS 1.3 only: ``minimum_version=ssl.TLSVersion.TLSv1_3``."""
        key = (maximum_version, minimum_version, tuple(alpn))
        ctx = self._client_contexts.get(key)
        if ctx is None:
            with _RANDOM.lock:  # see server_context
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies chain and host name
                ctx.load_verify_locations(cadata=self.pem)
            ctx.minimum_version = minimum_version
            if maximum_version is not None:
                ctx.maximum_version = maximum_version
            ctx.options |= ssl.OP_NO_TICKET
            if alpn:
                ctx.set_alpn_protocols(list(alpn))
            self._client_contexts[key] = ctx
        return ctx


# -- Sans-I/O TLS endpoints ----------------------------------------------------------------
# OpenSSL's verification results (X509_V_ERR_*, openssl/x509_vfy.h) and what they mean
_CERTIFICATE_PROBLEMS = {
    2: "authority",  # unable to get issuer certificate
    9: "expired",  # not yet valid
    10: "expired",  # has expired
    18: "authority",  # self-signed
    19: "authority",  # self-signed certificate in the chain
    20: "authority",  # unable to get the local issuer certificate
    21: "authority",  # unable to verify the first certificate
    62: "hostname",  # hostname mismatch
    64: "hostname",  # IP address mismatch
}


class TLSError(Exception):
    """A TLS failure, with ``kind`` ``"certificate"`` or ``"protocol"``.

    For a certificate, ``problem`` says which: ``"hostname"`` (it does not name the
    server asked for), ``"authority"`` (no trusted authority signed it) or ``"expired"``
    (outside its validity period), from OpenSSL's verification code.
    """

    def __init__(self, kind: str, message: str, alert: bytes = b"", code: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.alert = alert  # the alert record OpenSSL wrote for the peer, if any
        self.code = code
        self.problem = (
            _CERTIFICATE_PROBLEMS.get(code, "authority") if kind == "certificate" else None
        )


class _Session:
    def __init__(self, rng: random.Random):
        self._rng = rng
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self.obj: ssl.SSLObject
        self.handshake_done = False
        self.closed = False

    def _handshake(self) -> None:
        try:
            self.obj.do_handshake()
        except ssl.SSLWantReadError:
            return
        except ssl.SSLCertVerificationError as exc:
            message = exc.verify_message or str(exc)
            raise TLSError("certificate", message, self._outgoing.read(), exc.verify_code) from None
        except ssl.SSLError as exc:
            raise TLSError("protocol", exc.reason or str(exc), self._outgoing.read()) from None
        self.handshake_done = True

    def feed(self, data: bytes) -> tuple[bytes, bytes]:
        """Give bytes from the peer; return ``(bytes to send, application data received)``."""
        with _RANDOM.use(self._rng):
            if data:
                self._incoming.write(data)
            if not self.handshake_done:
                self._handshake()
            plain = bytearray()
            if self.handshake_done:
                while True:
                    try:
                        chunk = self.obj.read(65536)
                    except ssl.SSLWantReadError:
                        break
                    except ssl.SSLZeroReturnError:
                        self.closed = True
                        break
                    except ssl.SSLError as exc:
                        raise TLSError("protocol", exc.reason or str(exc)) from None
                    if not chunk:  # SSLObject.read() returns b"" after the peer's close_notify
                        self.closed = True
                        break
                    plain += chunk
            return self._outgoing.read(), bytes(plain)

    def send(self, data: bytes) -> bytes:
        """Encrypt application data; return the TLS records to send."""
        with _RANDOM.use(self._rng):
            self.obj.write(data)
            return self._outgoing.read()

    def close(self) -> bytes:
        """Send close_notify (as servers do before closing); return the alert record."""
        with _RANDOM.use(self._rng):
            try:
                self.obj.unwrap()
            except (ssl.SSLWantReadError, ssl.SSLError):
                pass
            return self._outgoing.read()

    @property
    def version(self) -> str | None:
        return self.obj.version()


class TLSClientSession(_Session):
    """The client side of a TLS connection, driven by bytes (no socket).

    ``now`` is the POSIX time certificates are checked against (the world's epoch plus
    its virtual time); without it OpenSSL uses the machine's clock.
    """

    def __init__(
        self,
        context: ssl.SSLContext,
        server_hostname: str | None,
        rng: random.Random,
        *,
        now: float | None = None,
    ):
        super().__init__(rng)
        with _RANDOM.use(rng):  # the lock also keeps the context's time ours until SSL_new
            if now is not None:
                _VERIFY_TIME.set(context, now)
            self.obj = context.wrap_bio(
                self._incoming, self._outgoing, server_hostname=server_hostname
            )

    def start(self) -> bytes:
        """Begin the handshake; return the ClientHello records."""
        out, _ = self.feed(b"")
        return out


class TLSServerSession(_Session):
    """The server side of a TLS connection, driven by bytes (no socket)."""

    def __init__(self, context: ssl.SSLContext, rng: random.Random):
        super().__init__(rng)
        with _RANDOM.use(rng):
            self.obj = context.wrap_bio(self._incoming, self._outgoing, server_side=True)

    @property
    def server_name(self) -> str | None:
        """The SNI the client asked for (set by the server's SNI callback)."""
        return getattr(self.obj, "_censorsim_sni", None)

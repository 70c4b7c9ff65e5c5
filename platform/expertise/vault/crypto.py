"""Cryptographic core of the identity vault.

This module is the only place in the project that imports ``cryptography`` for
resident identity. It is pure: no Flask, no database, no logging. Callers pass
bytes and ids in and store the returned blobs.

Key hierarchy (see ``reference/privacy-security.md`` section 1.4)::

    password --Argon2id(salt, secret=pepper)--> MK --HKDF "auth"--> auth verifier (stored)
                                                   --HKDF "kek"---> KEK (never stored)
    recovery code (128 bit) --HKDF "rc"--> RK
    KEK / RK --AES-256-GCM--> user X25519 private key   (aad v1|user|U|sk, v1|user|U|sk-rc)
    k_sess (cookie only) --AES-256-GCM--> user private key (aad v1|sess|SID)
    DEK (per resident) --AES-256-GCM--> identity JSON     (aad v1|resident|R|identity|N)
    HPKE(X25519, HKDF-SHA256, AES-256-GCM) --> DEK per holder (info v1|resident|R|holder|H)

Blob formats (all start with the two-byte version tag ``b"v1"``):

* AEAD blob:  ``b"v1" || nonce(12) || ciphertext || tag(16)``
* HPKE wrap:  ``b"v1" || enc(32) || ciphertext(32) || tag(16)`` (82 bytes)

Every failure raises :class:`VaultCryptoError` with a fixed message. Messages
never contain key material, plaintext or user input, and the error is raised
outside the ``except`` block so no underlying exception (whose attributes
might hold data, e.g. ``JSONDecodeError.doc``) is chained to it.

Python cannot reliably wipe memory; keys live in ``bytes`` objects until they
are garbage collected. Keep them in local variables for one request only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "HPKE_SUITE_NAME",
    "PRODUCTION_KDF",
    "TEST_KDF",
    "KdfCost",
    "KdfParams",
    "VaultCryptoError",
    "assert_kdf_minimum",
    "auth_verifier",
    "derive_master_key",
    "fingerprint",
    "generate_recovery_keypair",
    "generate_user_keypair",
    "kdf_needs_upgrade",
    "kek",
    "meets_kdf_minimum",
    "new_data_key",
    "new_recovery_code",
    "new_session_key",
    "normalise_recovery_code",
    "open_identity",
    "open_session_key",
    "org_holder",
    "parse_recovery_kit",
    "public_key_from_private",
    "recovery_code_key",
    "seal_identity",
    "seal_session_key",
    "self_test",
    "unwrap_data_key",
    "unwrap_private_key",
    "unwrap_private_key_rc",
    "user_holder",
    "verify_auth",
    "wrap_data_key",
    "wrap_private_key",
    "wrap_private_key_rc",
]

VERSION = b"v1"
KEY_LEN = 32
NONCE_LEN = 12
TAG_LEN = 16
SALT_LEN = 16
MIN_PEPPER_LEN = 16
HPKE_ENC_LEN = 32
HPKE_WRAP_LEN = len(VERSION) + HPKE_ENC_LEN + KEY_LEN + TAG_LEN
HPKE_SUITE_NAME = "hpke-x25519-hkdfsha256-aes256gcm"

# Identity plaintext is padded to a multiple of this many bytes so that the
# ciphertext length does not reveal the length of a child's name.
IDENTITY_PAD = 128

_HPKE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_ID_RE = re.compile(r"[A-Za-z0-9_.\-]{1,128}")
_HOLDER_RE = re.compile(r"(user|org):[A-Za-z0-9_.\-]{1,128}")


class VaultCryptoError(Exception):
    """Raise for every vault crypto failure; the message never holds secrets."""


# --------------------------------------------------------------------------
# Small checks and helpers
# --------------------------------------------------------------------------


def _fail(message: str) -> VaultCryptoError:
    return VaultCryptoError(message)


def _as_bytes(value: Any, what: str) -> bytes:
    """Return ``value`` as bytes (drivers may hand back memoryview/bytearray)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise _fail(f"{what} must be bytes")


def _check_key(key: Any, what: str = "key") -> bytes:
    key = _as_bytes(key, what)
    if len(key) != KEY_LEN:
        raise _fail(f"{what} must be {KEY_LEN} bytes")
    return key


def _check_id(value: Any, what: str) -> str:
    """Return a validated id as text; reject anything that could forge an AAD."""
    if isinstance(value, bool):
        raise _fail(f"{what} must be a non-negative int or a token string")
    if isinstance(value, int):
        if value < 0:
            raise _fail(f"{what} must be a non-negative int or a token string")
        return str(value)
    if isinstance(value, str) and _ID_RE.fullmatch(value):
        return value
    raise _fail(f"{what} must be a non-negative int or a token string")


def _check_holder(holder: Any) -> str:
    if isinstance(holder, str) and _HOLDER_RE.fullmatch(holder):
        return holder
    raise _fail("holder must look like 'user:ID' or 'org:ID'")


def _check_positive_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(f"{what} must be a positive int")
    return value


def _context(*parts: str) -> bytes:
    """Build an AAD / HPKE info string ``v1|part|part…``."""
    return "|".join((VERSION.decode("ascii"), *parts)).encode("ascii")


def _hkdf(ikm: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_LEN, salt=None, info=info).derive(ikm)


def _split_versioned(blob: Any, min_body: int) -> bytes:
    """Check the version tag and minimum length; return the body after the tag."""
    blob = _as_bytes(blob, "blob")
    if len(blob) < len(VERSION):
        raise _fail("blob too short")
    if blob[: len(VERSION)] != VERSION:
        raise _fail("unsupported blob version")
    body = blob[len(VERSION) :]
    if len(body) < min_body:
        raise _fail("blob too short")
    return body


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt with AES-256-GCM under a fresh random 96-bit nonce.

    Random nonces are safe here: each key seals few messages (a DEK seals one
    identity per version, a KEK one private key), far below the 2**32 limit.
    """
    key = _check_key(key)
    nonce = os.urandom(NONCE_LEN)
    return VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, blob: Any, aad: bytes) -> bytes:
    """Decrypt an AEAD blob; raise one generic error on any failure."""
    key = _check_key(key)
    body = _split_versioned(blob, NONCE_LEN + TAG_LEN)
    try:
        return AESGCM(key).decrypt(body[:NONCE_LEN], body[NONCE_LEN:], aad)
    except InvalidTag:
        pass
    raise _fail("decryption failed: wrong key, wrong context or tampered data")


# --------------------------------------------------------------------------
# Password -> master key (Argon2id)
# --------------------------------------------------------------------------


class KdfCost(NamedTuple):
    """Argon2id cost: iterations (t), memory in KiB (m), lanes (p)."""

    iterations: int
    memory_cost: int
    lanes: int


PRODUCTION_KDF = KdfCost(iterations=3, memory_cost=65536, lanes=4)
TEST_KDF = KdfCost(iterations=1, memory_cost=8192, lanes=1)

# Why a lock: cryptography sets OpenSSL's process-wide Argon2 thread pool to
# the CPU count at import, and a derive with lanes > 1 takes threads from it.
# Two such derives in different Python threads can each hold part of the pool
# and wait for the rest forever (seen with cryptography 50.0.2 / OpenSSL 4.0.3
# on 2 CPUs: two threads, lanes=2 or 4, hang in ossl_crypto_thread_start).
# Stored per-user parameters may have lanes > 1, so every such derive in this
# process runs under one lock; lanes=1 derives never touch the pool.
_ARGON2_LOCK = threading.Lock()

# OWASP ASVS 5.0 Appendix C: (minimum iterations, minimum memory in KiB).
_ASVS_MINIMUMS = ((3, 12 * 1024), (2, 19 * 1024), (1, 46 * 1024))


@dataclass(frozen=True, kw_only=True)
class KdfParams:
    """Per-user Argon2id parameters, stored as JSON so they can be raised later."""

    alg: str = "argon2id"
    iterations: int
    lanes: int
    memory_cost: int
    salt: bytes
    pepper_version: int

    def __post_init__(self) -> None:
        if self.alg != "argon2id":
            raise _fail("unsupported KDF algorithm")
        for name in ("iterations", "lanes", "memory_cost"):
            _check_positive_int(getattr(self, name), name)
        if self.memory_cost < 8 * self.lanes:
            raise _fail("memory_cost must be at least 8 KiB per lane")
        if isinstance(self.pepper_version, bool) or not isinstance(self.pepper_version, int) or self.pepper_version < 0:
            raise _fail("pepper_version must be a non-negative int")
        if not isinstance(self.salt, bytes) or len(self.salt) < SALT_LEN:
            raise _fail(f"salt must be at least {SALT_LEN} bytes")

    @classmethod
    def new(cls, pepper_version: int, cost: KdfCost = PRODUCTION_KDF) -> KdfParams:
        """Create parameters with a fresh random salt."""
        return cls(
            iterations=cost.iterations,
            lanes=cost.lanes,
            memory_cost=cost.memory_cost,
            salt=os.urandom(SALT_LEN),
            pepper_version=pepper_version,
        )

    @property
    def cost(self) -> KdfCost:
        """Return the cost part of these parameters."""
        return KdfCost(self.iterations, self.memory_cost, self.lanes)

    def to_json(self) -> str:
        """Serialise to the JSON stored in ``users.kdf``."""
        return json.dumps(
            {
                "alg": self.alg,
                "t": self.iterations,
                "m": self.memory_cost,
                "p": self.lanes,
                "salt": base64.b64encode(self.salt).decode("ascii"),
                "pepper_version": self.pepper_version,
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> KdfParams:
        """Parse the JSON written by :meth:`to_json`; reject unknown fields."""
        data: Any = None
        try:
            data = json.loads(text)
        except (ValueError, TypeError):
            pass
        expected = {"alg", "t", "m", "p", "salt", "pepper_version"}
        if not isinstance(data, dict) or set(data) != expected or not isinstance(data["salt"], str):
            raise _fail("invalid KDF parameters")
        salt: bytes | None = None
        try:
            salt = base64.b64decode(data["salt"], validate=True)
        except (binascii.Error, ValueError):
            pass
        if salt is None:
            raise _fail("invalid KDF parameters")
        return cls(
            alg=data["alg"],
            iterations=data["t"],
            memory_cost=data["m"],
            lanes=data["p"],
            salt=salt,
            pepper_version=data["pepper_version"],
        )


def meets_kdf_minimum(cost: KdfCost | KdfParams) -> bool:
    """Return whether the cost meets the OWASP ASVS 5.0 Appendix C Argon2id minimum."""
    return any(cost.iterations >= t and cost.memory_cost >= m for t, m in _ASVS_MINIMUMS)


def assert_kdf_minimum(cost: KdfCost | KdfParams) -> None:
    """Raise unless the cost meets the OWASP ASVS 5.0 Appendix C Argon2id minimum."""
    if not meets_kdf_minimum(cost):
        raise _fail("Argon2id parameters are below the ASVS minimum (t=1/46MiB, t=2/19MiB, t>=3/12MiB)")


def kdf_needs_upgrade(params: KdfParams, target: KdfCost, pepper_version: int) -> bool:
    """Return whether stored parameters should be re-derived at the next login."""
    return (
        params.iterations < target.iterations
        or params.memory_cost < target.memory_cost
        or params.lanes < target.lanes
        or params.pepper_version != pepper_version
    )


def derive_master_key(password: str, params: KdfParams, pepper: bytes) -> bytes:
    """Derive the 32-byte master key from a password with Argon2id.

    The password is NFKC-normalised first (NIST SP 800-63B 5.1.1.2) so that
    the same password typed on different systems (composed or decomposed
    accents) derives the same key. Changing this later would lock users out.
    The server-side pepper goes in Argon2's ``secret`` input, so a stolen
    database alone does not allow offline guessing. Derives with lanes > 1
    are serialised per process (see ``_ARGON2_LOCK``) to avoid an OpenSSL
    thread-pool deadlock.
    """
    if not isinstance(password, str) or not password:
        raise _fail("password must be a non-empty string")
    pepper = _as_bytes(pepper, "pepper")
    if len(pepper) < MIN_PEPPER_LEN:
        raise _fail(f"pepper must be at least {MIN_PEPPER_LEN} bytes")
    if not isinstance(params, KdfParams):
        raise _fail("params must be KdfParams")
    material = unicodedata.normalize("NFKC", password).encode("utf-8")
    try:
        kdf = Argon2id(
            salt=params.salt,
            length=KEY_LEN,
            iterations=params.iterations,
            lanes=params.lanes,
            memory_cost=params.memory_cost,
            secret=pepper,
        )
        if params.lanes == 1:
            return kdf.derive(material)
        with _ARGON2_LOCK:
            return kdf.derive(material)
    except UnsupportedAlgorithm:
        pass
    raise _fail("Argon2id is not available in this OpenSSL build (needs OpenSSL >= 3.2)")


def auth_verifier(mk: bytes) -> bytes:
    """Derive the stored login verifier from the master key (HKDF info b"auth")."""
    return _hkdf(_check_key(mk, "master key"), b"auth")


def kek(mk: bytes) -> bytes:
    """Derive the key-encryption key from the master key (HKDF info b"kek"); never store it."""
    return _hkdf(_check_key(mk, "master key"), b"kek")


def verify_auth(mk: bytes, stored: bytes) -> bool:
    """Return whether the master key matches the stored verifier (constant time)."""
    return hmac.compare_digest(auth_verifier(mk), _as_bytes(stored, "stored verifier"))


# --------------------------------------------------------------------------
# User key pair and its wraps
# --------------------------------------------------------------------------


def generate_user_keypair() -> tuple[bytes, bytes]:
    """Generate an X25519 key pair; return (private_raw, public_raw)."""
    sk = x25519.X25519PrivateKey.generate()
    return sk.private_bytes_raw(), sk.public_key().public_bytes_raw()


def public_key_from_private(private_raw: bytes) -> bytes:
    """Return the raw X25519 public key for a raw private key."""
    return x25519.X25519PrivateKey.from_private_bytes(_check_key(private_raw, "private key")).public_key().public_bytes_raw()


def wrap_private_key(kek: bytes, sk_raw: bytes, user_id: int | str) -> bytes:
    """Encrypt a user's private key under the password KEK."""
    return _seal(kek, _check_key(sk_raw, "private key"), _context("user", _check_id(user_id, "user_id"), "sk"))


def unwrap_private_key(kek: bytes, blob: bytes, user_id: int | str) -> bytes:
    """Decrypt a user's private key wrapped under the password KEK."""
    return _check_key(_open(kek, blob, _context("user", _check_id(user_id, "user_id"), "sk")), "private key")


def wrap_private_key_rc(rc_key: bytes, sk_raw: bytes, user_id: int | str) -> bytes:
    """Encrypt a user's private key under the personal recovery-code key."""
    return _seal(rc_key, _check_key(sk_raw, "private key"), _context("user", _check_id(user_id, "user_id"), "sk-rc"))


def unwrap_private_key_rc(rc_key: bytes, blob: bytes, user_id: int | str) -> bytes:
    """Decrypt a user's private key wrapped under the personal recovery-code key."""
    return _check_key(_open(rc_key, blob, _context("user", _check_id(user_id, "user_id"), "sk-rc")), "private key")


# --------------------------------------------------------------------------
# Human-readable codes: Crockford base32 with a checksum
# --------------------------------------------------------------------------

# Crockford's alphabet has no I, L, O or U, so 0/O and 1/I/L cannot be confused.
_B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_B32_INDEX = {c: i for i, c in enumerate(_B32)}
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_GROUP = 4

RECOVERY_CODE_BYTES = 16
_RC_CHECK_BYTES = 4
_RC_CHARS = (RECOVERY_CODE_BYTES + _RC_CHECK_BYTES) * 8 // 5  # 32 characters, 8 groups

KIT_PREFIX = "EPR1"
_KIT_CHECK_BYTES = 3
_KIT_CHARS = (KEY_LEN + _KIT_CHECK_BYTES) * 8 // 5  # 56 characters, 14 groups


def _b32encode(data: bytes) -> str:
    """Encode bytes whose bit length is a multiple of 5 in Crockford base32."""
    n_chars = len(data) * 8 // 5
    number = int.from_bytes(data, "big")
    return "".join(_B32[(number >> (5 * (n_chars - 1 - i))) & 31] for i in range(n_chars))


def _b32decode(text: str, n_bytes: int) -> bytes:
    """Decode normalised Crockford base32 text that the caller has validated."""
    number = 0
    for char in text:
        number = (number << 5) | _B32_INDEX[char]
    return number.to_bytes(n_bytes, "big")


def _group(text: str) -> str:
    return "-".join(text[i : i + _GROUP] for i in range(0, len(text), _GROUP))


def _normalise_b32(text: Any, what: str) -> str:
    """Upper-case, drop spaces and dashes, and map confusable letters to digits."""
    if not isinstance(text, str):
        raise _fail(f"{what} must be text")
    text = unicodedata.normalize("NFKC", text).upper()
    text = re.sub(r"[\s\-_.]+", "", text)
    return text.translate(_CONFUSABLES)


def _check_b32(text: str, n_chars: int, what: str) -> None:
    if len(text) != n_chars:
        raise _fail(f"{what} must have {n_chars} characters (has {len(text)})")
    for position, char in enumerate(text):
        if char not in _B32_INDEX:
            raise _fail(f"{what} has an invalid character in group {position // _GROUP + 1}")


def _rc_check(entropy: bytes) -> bytes:
    return hashlib.sha256(_context("recovery-code-check") + entropy).digest()[:_RC_CHECK_BYTES]


def new_recovery_code() -> str:
    """Generate a personal recovery code: 128 random bits plus a checksum, in groups of 4."""
    entropy = secrets.token_bytes(RECOVERY_CODE_BYTES)
    return _group(_b32encode(entropy + _rc_check(entropy)))


def normalise_recovery_code(code: str) -> str:
    """Return the canonical grouped form of a typed recovery code, or raise on a typo."""
    _parse_recovery_code(code)
    return _group(_canonical_rc(code))


def _canonical_rc(code: str) -> str:
    text = _normalise_b32(code, "recovery code")
    _check_b32(text, _RC_CHARS, "recovery code")
    return text


def _parse_recovery_code(code: str) -> bytes:
    """Return the 16 entropy bytes of a recovery code after checking its checksum."""
    raw = _b32decode(_canonical_rc(code), RECOVERY_CODE_BYTES + _RC_CHECK_BYTES)
    entropy, check = raw[:RECOVERY_CODE_BYTES], raw[RECOVERY_CODE_BYTES:]
    if not hmac.compare_digest(check, _rc_check(entropy)):
        raise _fail("recovery code has a typo (check characters do not match)")
    return entropy


def recovery_code_key(code: str) -> bytes:
    """Derive the key that wraps the private key from a personal recovery code.

    The code carries 128 random bits, so a fast KDF (HKDF) is enough; a slow
    password hash would add nothing against guessing.
    """
    return _hkdf(_parse_recovery_code(code), b"rc")


# --------------------------------------------------------------------------
# Session blob
# --------------------------------------------------------------------------


def new_session_key() -> bytes:
    """Generate a random 256-bit session key (it lives only in the cookie)."""
    return AESGCM.generate_key(bit_length=256)


def seal_session_key(k_sess: bytes, sk_raw: bytes, session_id: int | str) -> bytes:
    """Encrypt the user's private key under the session key for the session row."""
    return _seal(k_sess, _check_key(sk_raw, "private key"), _context("sess", _check_id(session_id, "session_id")))


def open_session_key(k_sess: bytes, blob: bytes, session_id: int | str) -> bytes:
    """Decrypt the user's private key from the session row with the cookie key."""
    return _check_key(_open(k_sess, blob, _context("sess", _check_id(session_id, "session_id"))), "private key")


# --------------------------------------------------------------------------
# Resident data key and identity
# --------------------------------------------------------------------------


def new_data_key() -> bytes:
    """Generate a random 256-bit resident data key (DEK)."""
    return AESGCM.generate_key(bit_length=256)


def _identity_aad(resident_id: int | str, dek_version: int) -> bytes:
    return _context(
        "resident",
        _check_id(resident_id, "resident_id"),
        "identity",
        str(_check_positive_int(dek_version, "dek_version")),
    )


def seal_identity(dek: bytes, identity: dict[str, Any], resident_id: int | str, dek_version: int) -> bytes:
    """Encrypt a resident's identity JSON under the DEK, bound to resident and DEK version.

    The JSON is padded with trailing spaces (which JSON ignores) to a multiple
    of IDENTITY_PAD bytes, so ciphertext length does not leak name length.
    """
    if not isinstance(identity, dict):
        raise _fail("identity must be a dict")
    aad = _identity_aad(resident_id, dek_version)
    text: str | None = None
    try:
        text = json.dumps(identity, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        pass
    if text is None:
        raise _fail("identity must be JSON-serialisable")
    data = text.encode("utf-8")
    data += b" " * (-len(data) % IDENTITY_PAD)
    return _seal(dek, data, aad)


def open_identity(dek: bytes, blob: bytes, resident_id: int | str, dek_version: int) -> dict[str, Any]:
    """Decrypt a resident's identity; fail if the blob belongs to another row or version."""
    data = _open(dek, blob, _identity_aad(resident_id, dek_version))
    identity: Any = None
    try:
        identity = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        pass
    if not isinstance(identity, dict):
        raise _fail("identity plaintext is not a JSON object")
    return identity


# --------------------------------------------------------------------------
# HPKE wraps of the data key
# --------------------------------------------------------------------------


def user_holder(user_id: int | str) -> str:
    """Return the holder label for a user grant."""
    return f"user:{_check_id(user_id, 'user_id')}"


def org_holder(org_id: int | str) -> str:
    """Return the holder label for an organisation recovery grant."""
    return f"org:{_check_id(org_id, 'org_id')}"


def _wrap_info(resident_id: int | str, holder: str) -> bytes:
    return _context("resident", _check_id(resident_id, "resident_id"), "holder", _check_holder(holder))


def wrap_data_key(dek: bytes, public_raw: bytes, resident_id: int | str, holder: str) -> bytes:
    """Wrap a DEK to a holder's X25519 public key with HPKE (RFC 9180).

    The HPKE ``info`` names the resident and the holder, so a grant row copied
    to another resident or holder no longer decrypts.
    """
    dek = _check_key(dek, "data key")
    info = _wrap_info(resident_id, holder)
    public_key: x25519.X25519PublicKey | None = None
    try:
        public_key = x25519.X25519PublicKey.from_public_bytes(_check_key(public_raw, "public key"))
    except ValueError:
        pass
    if public_key is None:
        raise _fail("invalid public key")
    wrapped: bytes | None = None
    try:
        wrapped = _HPKE.encrypt(dek, public_key, info=info)
    except ValueError:  # low-order point: shared secret would be all zero
        pass
    if wrapped is None:
        raise _fail("invalid public key")
    return VERSION + wrapped


def unwrap_data_key(blob: bytes, private_raw: bytes, resident_id: int | str, holder: str) -> bytes:
    """Unwrap a DEK with the holder's X25519 private key."""
    info = _wrap_info(resident_id, holder)
    body = _split_versioned(blob, HPKE_WRAP_LEN - len(VERSION))
    if len(body) != HPKE_WRAP_LEN - len(VERSION):
        raise _fail("blob has the wrong length")
    private_key = x25519.X25519PrivateKey.from_private_bytes(_check_key(private_raw, "private key"))
    dek: bytes | None = None
    try:
        dek = _HPKE.decrypt(body, private_key, info=info)
    except (InvalidTag, ValueError):
        pass
    if dek is None:
        raise _fail("decryption failed: wrong key, wrong context or tampered data")
    return _check_key(dek, "data key")


# --------------------------------------------------------------------------
# Organisation recovery key (offline kit)
# --------------------------------------------------------------------------


def _kit_check(private_raw: bytes) -> bytes:
    return hashlib.sha256(KIT_PREFIX.encode("ascii") + b"|" + private_raw).digest()[:_KIT_CHECK_BYTES]


def generate_recovery_keypair() -> tuple[bytes, str]:
    """Generate the organisation recovery key; return (public_raw, printable kit).

    The kit is ``EPR1-`` followed by the private key and a 24-bit checksum in
    Crockford base32 groups of four. The server must never store it.
    """
    private_raw, public_raw = generate_user_keypair()
    kit = f"{KIT_PREFIX}-{_group(_b32encode(private_raw + _kit_check(private_raw)))}"
    return public_raw, kit


def parse_recovery_kit(text: str) -> bytes:
    """Parse a typed or pasted recovery kit and return the raw private key."""
    normalised = _normalise_b32(text, "recovery kit")
    if not normalised.startswith("EPR"):
        raise _fail("not a recovery kit (it should start with EPR1-)")
    if not normalised.startswith(KIT_PREFIX):
        raise _fail("unsupported recovery kit version")
    body = normalised[len(KIT_PREFIX) :]
    _check_b32(body, _KIT_CHARS, "recovery kit")
    raw = _b32decode(body, KEY_LEN + _KIT_CHECK_BYTES)
    private_raw, check = raw[:KEY_LEN], raw[KEY_LEN:]
    if not hmac.compare_digest(check, _kit_check(private_raw)):
        raise _fail("recovery kit has a typo (check characters do not match)")
    return private_raw


def fingerprint(public_raw: bytes) -> str:
    """Return a short fingerprint of a public key (5 groups of 4 hex digits) for the ceremony."""
    digest = hashlib.sha256(_context("fingerprint") + _check_key(public_raw, "public key")).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, 20, 4))


# --------------------------------------------------------------------------
# Start-up self-test
# --------------------------------------------------------------------------

# RFC 9106 section 5.3 Argon2id test vector (t=3, m=32 KiB, p=4, with secret and ad).
_ARGON2ID_KAT = bytes.fromhex("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659")


def self_test() -> None:
    """Check Argon2id and HPKE work in this build; raise VaultCryptoError if not.

    Call at application start-up: a distro build linked against OpenSSL < 3.2
    lacks Argon2id, and the app must refuse to start rather than fail at login.
    """
    derived: bytes | None = None
    try:
        with _ARGON2_LOCK:
            derived = Argon2id(
                salt=b"\x02" * 16, length=32, iterations=3, lanes=4, memory_cost=32, ad=b"\x04" * 12, secret=b"\x03" * 8
            ).derive(b"\x01" * 32)
    except UnsupportedAlgorithm:
        pass
    if derived is None:
        raise _fail("self-test failed: Argon2id is not available (needs OpenSSL >= 3.2)")
    if not hmac.compare_digest(derived, _ARGON2ID_KAT):
        raise _fail("self-test failed: Argon2id known-answer test mismatch")

    private_raw, public_raw = generate_user_keypair()
    dek = new_data_key()
    blob = wrap_data_key(dek, public_raw, "selftest", "user:selftest")
    if unwrap_data_key(blob, private_raw, "selftest", "user:selftest") != dek:
        raise _fail("self-test failed: HPKE round trip mismatch")
    identity = {"self": "test"}
    if open_identity(dek, seal_identity(dek, identity, "selftest", 1), "selftest", 1) != identity:
        raise _fail("self-test failed: AES-GCM round trip mismatch")
    try:
        unwrap_data_key(blob, private_raw, "selftest", "user:other")
    except VaultCryptoError:
        return
    raise _fail("self-test failed: HPKE info binding not enforced")

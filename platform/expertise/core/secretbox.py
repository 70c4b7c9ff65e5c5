"""Small authenticated encryption for account secrets (not resident identity).

The TOTP secrets at rest and the material a pending login carries between
the password and the second factor are sealed here with AES-256-GCM under a
key derived by HKDF-SHA256 from a longer secret and a purpose label.
Resident identity never passes through this module: it stays in
`vault.crypto`. Failures raise SecretBoxError with a fixed message, never
with key material or plaintext.
"""
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = b"s1"
NONCE_LEN = 12


class SecretBoxError(Exception):
    """A sealed value could not be opened (wrong key, wrong context, tampered)."""


def derive_key(secret, purpose):
    """Return a 32-byte key for one purpose from a configured secret or a random token."""
    material = secret.encode() if isinstance(secret, str) else bytes(secret)
    if len(material) < 16:
        raise SecretBoxError("secret too short")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"expertise|" + purpose.encode()).derive(material)


def seal(key, plaintext, context):
    """Encrypt `plaintext` (bytes) bound to `context` (str); return version || nonce || ciphertext."""
    nonce = os.urandom(NONCE_LEN)
    return VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, context.encode())


def open_sealed(key, blob, context):
    """Decrypt a value made by seal() with the same key and context; raise SecretBoxError otherwise."""
    blob = bytes(blob or b"")
    if not blob.startswith(VERSION) or len(blob) < len(VERSION) + NONCE_LEN + 16:
        raise SecretBoxError("malformed sealed value")
    nonce, body = blob[len(VERSION):len(VERSION) + NONCE_LEN], blob[len(VERSION) + NONCE_LEN:]
    try:
        return AESGCM(key).decrypt(nonce, body, context.encode())
    except InvalidTag:
        pass
    raise SecretBoxError("sealed value does not open")


def keyed_hash(key, text):
    """Return the hex HMAC-SHA256 of text under key (for one-time codes at rest)."""
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()

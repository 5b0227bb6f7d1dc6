"""Secrets at rest: private keys and session keys wrapped with the node's master key.

Pure functions over bytes, no Django. A wrapped blob is a version byte, a 12-byte nonce
and the AES-256-GCM ciphertext with its tag; the `context` (what the secret is and which
row holds it) is the AAD, so a blob copied to another row or purpose no longer unwraps.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.crypto.envelope import KEY_SIZE, NONCE_SIZE, TAG_SIZE, DecryptFailed

WRAP_VERSION = 0x01


def private_key_to_der(private_key: rsa.RSAPrivateKey) -> bytes:
    """Unencrypted PKCS#8 DER; the caller wraps it with `wrap` before storing it."""
    return private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def private_key_from_der(der: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the stored private key is not an RSA key")
    return key


def wrap(kek: bytes, plaintext: bytes, *, context: bytes) -> bytes:
    """Encrypt a secret for storage: version byte, 12-byte nonce, ciphertext and tag.

    `context` (e.g. b"server-key:<kid>" or b"session:<id hash>") is the AAD, so a
    blob copied to another row or purpose no longer unwraps.
    """
    nonce = os.urandom(NONCE_SIZE)
    return bytes([WRAP_VERSION]) + nonce + _cipher(kek).encrypt(nonce, plaintext, context)


def unwrap(kek: bytes, blob: bytes, *, context: bytes) -> bytes:
    if len(kek) != KEY_SIZE:
        raise DecryptFailed("the key-encryption key has the wrong size")
    if len(blob) < 1 + NONCE_SIZE + TAG_SIZE or blob[0] != WRAP_VERSION:
        raise DecryptFailed("the wrapped blob is malformed")
    nonce, sealed = blob[1 : 1 + NONCE_SIZE], blob[1 + NONCE_SIZE :]
    try:
        return AESGCM(kek).decrypt(nonce, sealed, context)
    except InvalidTag:
        raise DecryptFailed("the wrapped blob did not authenticate") from None


def _cipher(key: bytes) -> AESGCM:
    if len(key) != KEY_SIZE:
        raise ValueError(f"a key-encryption key must be {KEY_SIZE} bytes")
    return AESGCM(key)

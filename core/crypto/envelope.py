"""The wire envelope of the protocol (docs/PROTOCOL.md), server side.

Pure functions over bytes: no Django, no settings, no I/O. The gateway reads headers
and settings and calls these; tests call them directly and check them against
docs/protocol-test-vectors.json. Wrapping secrets for storage is `core.crypto.atrest`.

Error messages name the header or field at fault and never carry key material,
plaintext or ciphertext.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_SIZE = 12
TAG_SIZE = 16
KEY_SIZE = 32
AAD_REQUEST_PREFIX = "PLATFORM-V1"
AAD_RESPONSE_PREFIX = "PLATFORM-V1-RESPONSE"
RSA_KEY_BITS = 3072
RSA_PUBLIC_EXPONENT = 65537
MAX_TIMESTAMP_DIGITS = 15


class EnvelopeError(Exception):
    """A request envelope the gateway must refuse; `code` is the problem+json code."""

    code = "malformed_request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class MalformedEnvelope(EnvelopeError):
    code = "malformed_request"


class DecryptFailed(EnvelopeError):
    code = "decrypt_failed"


@dataclass(frozen=True)
class SealedResponse:
    nonce_b64: str
    tag_b64: str
    ciphertext: bytes


def decode_b64(value: str | None, *, size: int | None = None, name: str) -> bytes:
    """Decode standard, padded, canonical base64 (a header value).

    Anything else (missing, non-ASCII, URL-safe alphabet, whitespace, missing
    padding, non-zero trailing bits, wrong decoded length) is MalformedEnvelope,
    so that one byte string has exactly one accepted spelling.
    """
    if not value:
        raise MalformedEnvelope(f"{name} is missing")
    if not isinstance(value, str) or not value.isascii():
        raise MalformedEnvelope(f"{name} is not base64")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedEnvelope(f"{name} is not base64") from None
    if base64.b64encode(raw).decode("ascii") != value:
        raise MalformedEnvelope(f"{name} is not canonical base64")
    if size is not None and len(raw) != size:
        raise MalformedEnvelope(f"{name} must be {size} bytes")
    return raw


def parse_timestamp(value: str | None) -> int:
    """Parse X-Timestamp: Unix milliseconds as plain decimal digits."""
    if not value or not value.isascii() or not value.isdigit():
        raise MalformedEnvelope("X-Timestamp must be decimal milliseconds")
    if len(value) > MAX_TIMESTAMP_DIGITS:
        raise MalformedEnvelope("X-Timestamp is out of range")
    return int(value)


def _aad(lines: list[str]) -> bytes:
    # A newline inside a field would let two different requests share one AAD.
    if any("\n" in line or "\r" in line for line in lines):
        raise MalformedEnvelope("a field of the authenticated data contains a line break")
    try:
        return "\n".join(lines).encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedEnvelope("a field of the authenticated data is not valid text") from None


def request_aad(
    *,
    method: str,
    path: str,
    query: str,
    session_id: str,
    timestamp: str | int,
    nonce_b64: str,
) -> bytes:
    """AAD of a request; `path` and `query` exactly as sent on the wire."""
    return _aad(
        [
            AAD_REQUEST_PREFIX,
            method.upper(),
            path,
            query,
            session_id,
            str(timestamp),
            nonce_b64,
        ]
    )


def response_aad(*, status: int, request_nonce_b64: str, content_type: str) -> bytes:
    return _aad([AAD_RESPONSE_PREFIX, str(int(status)), request_nonce_b64, content_type])


def _cipher(key: bytes) -> AESGCM:
    if len(key) != KEY_SIZE:
        raise ValueError(f"an envelope key must be {KEY_SIZE} bytes")
    return AESGCM(key)


def open_request(*, key: bytes, nonce: bytes, ciphertext: bytes, tag: bytes, aad: bytes) -> bytes:
    """Verify and decrypt a request body; any mismatch is DecryptFailed."""
    if len(nonce) != NONCE_SIZE:
        raise MalformedEnvelope(f"X-Nonce must be {NONCE_SIZE} bytes")
    if len(tag) != TAG_SIZE:
        raise MalformedEnvelope(f"X-Tag must be {TAG_SIZE} bytes")
    try:
        return _cipher(key).decrypt(nonce, ciphertext + tag, aad)
    except InvalidTag:
        raise DecryptFailed("the request did not authenticate") from None


def seal_response(
    *,
    key: bytes,
    status: int,
    request_nonce_b64: str,
    content_type: str,
    plaintext: bytes,
    nonce: bytes | None = None,
) -> SealedResponse:
    """Encrypt a response body. Pass `nonce` only to reproduce test vectors."""
    if nonce is None:
        nonce = os.urandom(NONCE_SIZE)
    if len(nonce) != NONCE_SIZE:
        raise ValueError(f"a nonce must be {NONCE_SIZE} bytes")
    aad = response_aad(
        status=status, request_nonce_b64=request_nonce_b64, content_type=content_type
    )
    sealed = _cipher(key).encrypt(nonce, plaintext, aad)
    return SealedResponse(
        nonce_b64=_b64(nonce),
        tag_b64=_b64(sealed[-TAG_SIZE:]),
        ciphertext=sealed[:-TAG_SIZE],
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


_OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def unwrap_session_key(private_key: rsa.RSAPrivateKey, encrypted_key: bytes) -> bytes:
    """RSA-OAEP-256 decrypt the client's session key K (exactly 32 bytes)."""
    try:
        key = private_key.decrypt(encrypted_key, _OAEP)
    except (ValueError, TypeError):
        raise DecryptFailed("the session key did not decrypt") from None
    if len(key) != KEY_SIZE:
        raise DecryptFailed("the session key did not decrypt")
    return key


def generate_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=RSA_PUBLIC_EXPONENT, key_size=RSA_KEY_BITS)


def public_key_pem(private_key: rsa.RSAPrivateKey) -> str:
    """The SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY") published to clients."""
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def fingerprint_sha256(public_key: rsa.RSAPublicKey) -> str:
    """Lower-case hex SHA-256 over the DER SubjectPublicKeyInfo."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()

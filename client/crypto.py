"""Client-side envelope cryptography, written from the protocol description alone.

It deliberately shares no code with the server (`core.crypto.envelope`), so that the two
implementations check each other against docs/protocol-test-vectors.json.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from client.errors import ProtocolError

NONCE_BYTES = 12
TAG_BYTES = 16
SESSION_KEY_BYTES = 32
MIN_RSA_BITS = 3072
REQUEST_LABEL = "PLATFORM-V1"
RESPONSE_LABEL = "PLATFORM-V1-RESPONSE"


@dataclass(frozen=True)
class SealedRequest:
    nonce_b64: str
    tag_b64: str
    ciphertext: bytes = field(repr=False)
    aad: bytes = field(repr=False)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def unb64(value: str | None, *, size: int | None = None, name: str) -> bytes:
    """Strict standard base64 from a response header; anything else is ProtocolError."""
    if not value or not value.isascii():
        raise ProtocolError(f"{name} is missing or not base64")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError(f"{name} is not base64") from None
    if size is not None and len(raw) != size:
        raise ProtocolError(f"{name} must decode to {size} bytes")
    return raw


def _join(fields: list[str]) -> bytes:
    for value in fields:
        if "\n" in value or "\r" in value:
            raise ValueError("a line of the authenticated data may not contain a line break")
    return "\n".join(fields).encode("utf-8")


def request_aad(
    *, method: str, path: str, query: str, session_id: str, timestamp: int | str, nonce_b64: str
) -> bytes:
    fields = [REQUEST_LABEL, method.upper(), path, query, session_id, str(timestamp), nonce_b64]
    return _join(fields)


def response_aad(*, status: int, request_nonce_b64: str, content_type: str) -> bytes:
    return _join([RESPONSE_LABEL, str(status), request_nonce_b64, content_type])


def new_session_key() -> bytes:
    return os.urandom(SESSION_KEY_BYTES)


def seal_request(
    *,
    key: bytes,
    method: str,
    path: str,
    query: str,
    session_id: str,
    timestamp: int | str,
    plaintext: bytes,
    nonce: bytes | None = None,
) -> SealedRequest:
    """Encrypt a request body. A fresh random nonce unless `nonce` is given (vectors only)."""
    nonce = os.urandom(NONCE_BYTES) if nonce is None else nonce
    if len(nonce) != NONCE_BYTES:
        raise ValueError(f"a nonce is {NONCE_BYTES} bytes")
    nonce_b64 = b64(nonce)
    aad = request_aad(
        method=method,
        path=path,
        query=query,
        session_id=session_id,
        timestamp=timestamp,
        nonce_b64=nonce_b64,
    )
    out = AESGCM(key).encrypt(nonce, plaintext, aad)
    cut = len(out) - TAG_BYTES
    return SealedRequest(nonce_b64=nonce_b64, tag_b64=b64(out[cut:]), ciphertext=out[:cut], aad=aad)


def open_response(
    *,
    key: bytes,
    status: int,
    request_nonce_b64: str,
    content_type: str,
    nonce_b64: str | None,
    tag_b64: str | None,
    ciphertext: bytes,
) -> bytes:
    """Verify and decrypt an encrypted response; a bad tag raises ProtocolError."""
    nonce = unb64(nonce_b64, size=NONCE_BYTES, name="X-Nonce")
    tag = unb64(tag_b64, size=TAG_BYTES, name="X-Tag")
    aad = response_aad(
        status=status, request_nonce_b64=request_nonce_b64, content_type=content_type
    )
    try:
        return AESGCM(key).decrypt(nonce, ciphertext + tag, aad)
    except (InvalidTag, ValueError):
        raise ProtocolError("the response did not authenticate") from None


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError):
        raise ProtocolError("the server public key is not a PEM public key") from None
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        raise ProtocolError(f"the server key must be RSA with at least {MIN_RSA_BITS} bits")
    return key


def fingerprint_sha256(public_key_pem: str) -> str:
    """Hex SHA-256 of the key's DER SubjectPublicKeyInfo, computed from the PEM itself."""
    der = load_public_key(public_key_pem).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def normalise_fingerprint(value: str) -> str:
    """Accept pins written as `AB:CD:…`, with spaces, or in upper case."""
    return "".join(ch for ch in value.lower() if ch in "0123456789abcdef")


def wrap_session_key(public_key_pem: str, key: bytes) -> bytes:
    """RSA-OAEP with SHA-256 (hash and MGF1) and no label: the X-Encrypted-Key bytes."""
    oaep = padding.OAEP(
        mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
    )
    return load_public_key(public_key_pem).encrypt(key, oaep)

"""Deterministic test vectors of the wire protocol.

    python -m client.vectors > docs/protocol-test-vectors.json

regenerates the committed file byte for byte. Every symmetric input (key, nonces,
timestamp, session id) is derived from fixed labels. RSA-OAEP is randomised and an
RSA key cannot be derived from a seed, so the test-only RSA key and one OAEP
ciphertext were generated once and are kept in `client/test_vector_key.py`; the file
would only change if that module changed. (They cannot be read back from the JSON
file itself: the shell truncates it before the generator runs.)

The vectors are computed with the client's own crypto; tests check that the server's
`core.crypto.envelope` agrees with every one of them.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from client import crypto
from client.test_vector_key import SESSION_KEY_CIPHERTEXT_B64, TEST_ONLY_PRIVATE_KEY_PEM

TIMESTAMP_MS = 1767225600000  # 2026-01-01T00:00:00Z
TEST_KEY_ID = "test-only-2026"
CONTENT_TYPE_JSON = "application/json"


def derive(label: str, size: int) -> bytes:
    """Fixed bytes from a label: SHA-256("platform-v1 test vector: <label>")[:size]."""
    return hashlib.sha256(f"platform-v1 test vector: {label}".encode()).digest()[:size]


SESSION_KEY = derive("session key", 32)
SESSION_ID = base64.urlsafe_b64encode(derive("session id", 32)).rstrip(b"=").decode("ascii")


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


REQUESTS: list[dict[str, Any]] = [
    {
        "name": "login_request",
        "description": "Login: no session id, empty query; body encrypted with the new K.",
        "method": "POST",
        "path": "/api/v1/credential/login",
        "query": "",
        "session_id": "",
        "plaintext": _json(
            {
                "username": "alice",
                "password": "correct horse battery staple",
                "client": {"app": "Platform Desktop", "version": "1.0.0", "machine": "WS-0042"},
            }
        ),
    },
    {
        "name": "authenticated_request",
        "description": "PATCH in a session; percent-encoded path and a query string.",
        "method": "PATCH",
        "path": "/api/v1/directory/people/j%C3%BCrgen.m%C3%BCller%20jr/",
        "query": "fields=phone%2Cemail&dry_run=1",
        "session_id": SESSION_ID,
        "plaintext": _json({"phone": "+49 30 1234567", "version": 3}),
    },
    {
        "name": "get_empty_body",
        "description": "GET with an empty plaintext: empty body, the tag alone authenticates.",
        "method": "GET",
        "path": "/api/v1/task/tasks/",
        "query": "page=2",
        "session_id": SESSION_ID,
        "plaintext": b"",
    },
    {
        "name": "get_with_query_object",
        "description": "GET whose plaintext is the object of query parameters to add.",
        "method": "GET",
        "path": "/api/v1/directory/people/",
        "query": "",
        "session_id": SESSION_ID,
        "plaintext": _json({"q": "Müller", "department": [3, 5], "active": True}),
    },
]

RESPONSES: list[dict[str, Any]] = [
    {
        "name": "response_ok",
        "description": "200 answering authenticated_request.",
        "status": 200,
        "answers": "authenticated_request",
        "content_type": CONTENT_TYPE_JSON,
        "plaintext": _json({"id": 42, "phone": "+49 30 1234567", "version": 4}),
    },
    {
        "name": "response_error",
        "description": "404 answering get_empty_body: errors after authentication are encrypted.",
        "status": 404,
        "answers": "get_empty_body",
        "content_type": CONTENT_TYPE_JSON,
        "plaintext": _json({"code": "not_found", "detail": "No such item."}),
    },
]


def _bytes_fields(prefix: str, raw: bytes) -> dict[str, str]:
    return {f"{prefix}_hex": raw.hex(), f"{prefix}_b64": crypto.b64(raw)}


def request_vector(spec: dict[str, Any]) -> dict[str, Any]:
    nonce = derive(f"{spec['name']} nonce", crypto.NONCE_BYTES)
    sealed = crypto.seal_request(
        key=SESSION_KEY,
        method=spec["method"],
        path=spec["path"],
        query=spec["query"],
        session_id=spec["session_id"],
        timestamp=TIMESTAMP_MS,
        plaintext=spec["plaintext"],
        nonce=nonce,
    )
    headers = {
        "X-Nonce": sealed.nonce_b64,
        "X-Timestamp": str(TIMESTAMP_MS),
        "X-Tag": sealed.tag_b64,
    }
    if spec["session_id"]:
        headers["X-Session-Id"] = spec["session_id"]
    else:
        headers["X-Key-Id"] = TEST_KEY_ID
        headers["X-Encrypted-Key"] = SESSION_KEY_CIPHERTEXT_B64
    headers["Content-Type"] = "application/octet-stream"
    fields = {k: spec[k] for k in ("name", "description", "method", "path", "query", "session_id")}
    return {
        **fields,
        "timestamp": str(TIMESTAMP_MS),
        **_bytes_fields("key", SESSION_KEY),
        **_bytes_fields("nonce", nonce),
        "aad_text": sealed.aad.decode("utf-8"),
        "aad_hex": sealed.aad.hex(),
        "plaintext_text": spec["plaintext"].decode("utf-8"),
        "plaintext_hex": spec["plaintext"].hex(),
        **_bytes_fields("ciphertext", sealed.ciphertext),
        **_bytes_fields("tag", crypto.unb64(sealed.tag_b64, name="tag")),
        "headers": headers,
    }


def response_vector(spec: dict[str, Any], request_nonce_b64: str) -> dict[str, Any]:
    """Seal with AES-GCM directly: the client only ever opens responses."""
    nonce = derive(f"{spec['name']} nonce", crypto.NONCE_BYTES)
    aad = crypto.response_aad(
        status=spec["status"],
        request_nonce_b64=request_nonce_b64,
        content_type=spec["content_type"],
    )
    out = AESGCM(SESSION_KEY).encrypt(nonce, spec["plaintext"], aad)
    ciphertext, tag = out[: -crypto.TAG_BYTES], out[-crypto.TAG_BYTES :]
    fields = {k: spec[k] for k in ("name", "description", "status", "answers")}
    return {
        **fields,
        "request_nonce_b64": request_nonce_b64,
        "content_type": spec["content_type"],
        **_bytes_fields("key", SESSION_KEY),
        **_bytes_fields("nonce", nonce),
        "aad_text": aad.decode("utf-8"),
        "aad_hex": aad.hex(),
        "plaintext_text": spec["plaintext"].decode("utf-8"),
        "plaintext_hex": spec["plaintext"].hex(),
        **_bytes_fields("ciphertext", ciphertext),
        **_bytes_fields("tag", tag),
        "headers": {
            "X-Nonce": crypto.b64(nonce),
            "X-Tag": crypto.b64(tag),
            "X-Content-Type": spec["content_type"],
            "Content-Type": "application/octet-stream",
        },
    }


def rsa_vector() -> dict[str, Any]:
    private_key = serialization.load_pem_private_key(TEST_ONLY_PRIVATE_KEY_PEM.encode(), None)
    public_pem = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    ciphertext = base64.b64decode(SESSION_KEY_CIPHERTEXT_B64)
    return {
        "note": "test-only key; never use it for anything else",
        "description": "RSA-OAEP-256 decrypt vector: ciphertext decrypts to the session key.",
        "alg": "RSA-OAEP-256",
        "kid": TEST_KEY_ID,
        "test_only_private_key_pem": TEST_ONLY_PRIVATE_KEY_PEM,
        "public_key_pem": public_pem,
        "fingerprint_sha256": crypto.fingerprint_sha256(public_pem),
        **_bytes_fields("ciphertext", ciphertext),
        **_bytes_fields("plaintext", SESSION_KEY),
    }


def build_vectors() -> dict[str, Any]:
    requests = [request_vector(spec) for spec in REQUESTS]
    nonces = {vector["name"]: vector["nonce_b64"] for vector in requests}
    return {
        "description": "Test vectors of the platform wire protocol v1; see docs/PROTOCOL.md.",
        "generator": "python -m client.vectors > docs/protocol-test-vectors.json",
        "timestamp": str(TIMESTAMP_MS),
        "session_id": SESSION_ID,
        **_bytes_fields("session_key", SESSION_KEY),
        "requests": requests,
        "responses": [response_vector(spec, nonces[spec["answers"]]) for spec in RESPONSES],
        "rsa_oaep": rsa_vector(),
    }


def render() -> str:
    return json.dumps(build_vectors(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.buffer.write(render().encode("utf-8"))

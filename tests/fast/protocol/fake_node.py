"""An in-process stand-in for a node, built on the server's own envelope functions.

It serves the public key list, login, logout, an echo service under /api/v1/echo/ and
a 404 elsewhere, and asserts that no nonce is ever reused. Queued exceptions or raw
responses are served first, to script connection failures and 503s. `private_keys` and
`listed` script the key list (a rotation, or an attacker's key swapped in).
"""

from __future__ import annotations

import base64
import io
import json
import os

from cryptography.hazmat.primitives import serialization

from client import cli
from client.test_vector_key import TEST_ONLY_PRIVATE_KEY_PEM
from client.transport import RawResponse
from core.crypto import envelope

T0_MS = 1_767_225_600_000
PASSWORD = "correct horse battery staple"
KEY = serialization.load_pem_private_key(TEST_ONLY_PRIVATE_KEY_PEM.encode(), None)
FINGERPRINT = envelope.fingerprint_sha256(KEY.public_key())


class FakeNode:
    """Public key, login, logout, an echo service and a 404, on core.crypto.envelope."""

    def __init__(self) -> None:
        self.skew_ms = 0
        self.queued: list[Exception | RawResponse] = []  # served before any real answer
        self.calls: list[tuple[str, str, str, dict]] = []
        self.sessions: dict[str, bytes] = {}
        self.nonces: set[str] = set()
        self.tamper_tag = self.plain_success = False
        self.advertised_fingerprint = FINGERPRINT
        self.private_keys = {"k1": KEY}  # kid → private key; a login may use any of them
        self.listed: list[tuple[str, bool]] = [("k1", True)]  # (kid, primary) served

    def now_ms(self) -> int:
        return T0_MS + self.skew_ms

    def send(self, base_url, method, path_and_query, headers, body, timeout) -> RawResponse:
        self.calls.append((base_url, method, path_and_query, dict(headers)))
        if self.queued:
            item = self.queued.pop(0)
            if isinstance(item, Exception):
                raise item
            return item
        path, _, query = path_and_query.partition("?")
        if path == "/api/v1/credential/public-key":
            keys = [self._key_entry(kid, primary) for kid, primary in self.listed]
            return self._plain(200, {"keys": keys}, "application/json")
        return self._encrypted(method, path, query, RawResponse(0, headers, body))

    def _key_entry(self, kid: str, primary: bool) -> dict:
        private = self.private_keys[kid]
        fingerprint = envelope.fingerprint_sha256(private.public_key())
        return {
            "kid": kid, "alg": "RSA-OAEP-256", "primary": primary,
            "public_key_pem": envelope.public_key_pem(private),
            "fingerprint_sha256": self.advertised_fingerprint if kid == "k1" else fingerprint,
        }  # fmt: skip

    def _plain(self, status, payload, content_type="application/problem+json") -> RawResponse:
        headers = {"Content-Type": content_type, "X-Server-Time": str(self.now_ms())}
        return RawResponse(status, headers, json.dumps(payload).encode())

    def _encrypted(self, method, path, query, request: RawResponse) -> RawResponse:
        h = request.headers
        if abs(envelope.parse_timestamp(h["X-Timestamp"]) - self.now_ms()) > 120_000:
            return self._plain(401, {"code": "stale_timestamp"})
        assert h["X-Nonce"] not in self.nonces, "a nonce was reused"
        self.nonces.add(h["X-Nonce"])
        session_id = h.get("X-Session-Id", "")
        if path == "/api/v1/credential/login":
            encrypted_key = envelope.decode_b64(h["X-Encrypted-Key"], name="X-Encrypted-Key")
            key = envelope.unwrap_session_key(self.private_keys[h["X-Key-Id"]], encrypted_key)
        elif (key := self.sessions.get(session_id)) is None:
            return self._plain(401, {"code": "session_invalid"})
        aad = envelope.request_aad(
            method=method, path=path, query=query, session_id=session_id,
            timestamp=h["X-Timestamp"], nonce_b64=h["X-Nonce"],
        )  # fmt: skip
        plaintext = envelope.open_request(
            key=key, nonce=envelope.decode_b64(h["X-Nonce"], size=12, name="X-Nonce"),
            ciphertext=request.body, tag=envelope.decode_b64(h["X-Tag"], size=16, name="X-Tag"),
            aad=aad,
        )  # fmt: skip
        status, payload = self._handle(method, path, query, session_id, key, plaintext)
        return self._sealed(key, status, h["X-Nonce"], payload)

    def _handle(self, method, path, query, session_id, key, plaintext) -> tuple[int, dict]:
        data = json.loads(plaintext) if plaintext else None
        if path == "/api/v1/credential/login":
            if data["password"] != PASSWORD:
                return 401, {"code": "invalid_credentials"}
            new_id = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
            self.sessions[new_id] = key
            return 200, {"session_id": new_id, "user": {"username": data["username"]}}
        if path == "/api/v1/credential/logout":
            self.sessions.pop(session_id)
            return 200, {}
        if path.startswith("/api/v1/echo/"):
            return 200, {"method": method, "path": path, "query": query, "data": data}
        return 404, {"code": "not_found"}

    def _sealed(self, key, status, request_nonce_b64, payload) -> RawResponse:
        if self.plain_success:
            return self._plain(status, payload, "application/json")
        sealed = envelope.seal_response(
            key=key, status=status, request_nonce_b64=request_nonce_b64,
            content_type="application/json", plaintext=json.dumps(payload).encode(),
        )  # fmt: skip
        tag = sealed.tag_b64 if not self.tamper_tag else base64.b64encode(bytes(16)).decode()
        headers = {
            "Content-Type": "application/octet-stream", "X-Content-Type": "application/json",
            "X-Nonce": sealed.nonce_b64, "X-Tag": tag, "X-Server-Time": str(self.now_ms()),
        }  # fmt: skip
        return RawResponse(status, headers, sealed.ciphertext)


def run_cli(node: FakeNode, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    """`python -m client …` against `node`: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), transport=node, stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()

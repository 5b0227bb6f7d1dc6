"""Hand-built encrypted requests, for tests that tamper with the envelope byte by byte."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field

from client import crypto
from client.transport import RawResponse


@dataclass
class WireRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes = field(repr=False)
    key: bytes = field(repr=False)

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


def seal(
    *,
    key: bytes,
    session_id: str = "",
    method: str = "GET",
    path: str = "/api/v1/credential/me",
    query: str = "",
    payload=None,
    timestamp: int | None = None,
    extra: dict | None = None,
    nonce: bytes | None = None,
) -> WireRequest:
    """`nonce` only to reuse one on purpose (a different request under a used nonce)."""
    plaintext = b"" if payload is None else json.dumps(payload).encode()
    timestamp = int(time.time() * 1000) if timestamp is None else timestamp
    sealed = crypto.seal_request(
        key=key,
        method=method,
        path=path,
        query=query,
        session_id=session_id,
        timestamp=timestamp,
        plaintext=plaintext,
        nonce=nonce,
    )
    headers = {"X-Nonce": sealed.nonce_b64, "X-Timestamp": str(timestamp), "X-Tag": sealed.tag_b64}
    if session_id:
        headers["X-Session-Id"] = session_id
    headers.update(extra or {})
    return WireRequest(method, path, query, headers, sealed.ciphertext, key)


def seal_login(server_key, username: str, password: str, **kwargs) -> WireRequest:
    key = os.urandom(32)
    wrapped = crypto.wrap_session_key(server_key.public_key_pem, key)
    return seal(
        key=key,
        method="POST",
        path="/api/v1/credential/login",
        payload={"username": username, "password": password},
        extra={"X-Key-Id": server_key.kid, "X-Encrypted-Key": crypto.b64(wrapped)},
        **kwargs,
    )


def send(transport, request: WireRequest) -> RawResponse:
    return transport.send("", request.method, request.target, request.headers, request.body, 10)


def open_sealed(raw: RawResponse, request: WireRequest) -> dict:
    """Verify and decrypt a sealed answer; fails the test if it does not authenticate."""
    plaintext = crypto.open_response(
        key=request.key,
        status=raw.status,
        request_nonce_b64=request.headers["X-Nonce"],
        content_type=raw.headers["X-Content-Type"],
        nonce_b64=raw.headers["X-Nonce"],
        tag_b64=raw.headers["X-Tag"],
        ciphertext=raw.body,
    )
    return json.loads(plaintext) if plaintext else {}


def problem(raw: RawResponse) -> str:
    """The code of a plain problem+json answer (asserting it is one)."""
    assert raw.headers["Content-Type"] == "application/problem+json", raw.headers
    assert "X-Tag" not in raw.headers
    return json.loads(raw.body)["code"]

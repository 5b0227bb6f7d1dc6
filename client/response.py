"""Turning what a node sent back into a verified `Response`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from client.crypto import open_response
from client.errors import ProtocolError
from client.transport import RawResponse


@dataclass(frozen=True)
class Response:
    """A node's answer; for encrypted answers `body` is the verified plaintext.

    `content_type` is X-Content-Type for an encrypted answer, else Content-Type.
    `data` is the parsed JSON body, or None when the body is empty or not JSON.
    """

    status: int
    headers: Mapping[str, str] = field(repr=False)
    content_type: str
    body: bytes = field(repr=False)
    data: Any = field(repr=False)
    encrypted: bool

    @property
    def ok(self) -> bool:
        return self.status < 400

    @property
    def code(self) -> str | None:
        return self.data.get("code") if isinstance(self.data, dict) else None


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _build(raw: RawResponse, content_type: str, body: bytes, *, encrypted: bool) -> Response:
    data = None
    if body and _is_json(content_type):
        try:
            data = json.loads(body)
        except ValueError:
            data = None
    return Response(
        status=raw.status,
        headers=raw.headers,
        content_type=content_type,
        body=body,
        data=data,
        encrypted=encrypted,
    )


def decode_response(
    raw: RawResponse, *, key: bytes | None, request_nonce_b64: str | None
) -> Response:
    """Verify and decrypt an answer to an encrypted request (`key` given) or pass a plain one.

    An answer to an encrypted request is trusted only if its tag verifies; a plain
    answer is accepted only as an error (status >= 400), because only errors raised
    before the server could authenticate the request travel unencrypted.
    """
    if key is None or request_nonce_b64 is None:
        return _build(raw, raw.headers.get("Content-Type", ""), raw.body, encrypted=False)
    if "X-Tag" in raw.headers:
        content_type = raw.headers.get("X-Content-Type")
        if content_type is None:
            raise ProtocolError("an encrypted response lacks X-Content-Type")
        body = open_response(
            key=key,
            status=raw.status,
            request_nonce_b64=request_nonce_b64,
            content_type=content_type,
            nonce_b64=raw.headers.get("X-Nonce"),
            tag_b64=raw.headers.get("X-Tag"),
            ciphertext=raw.body,
        )
        return _build(raw, content_type, body, encrypted=True)
    if raw.status < 400:
        raise ProtocolError(f"an unencrypted {raw.status} answer to an encrypted request")
    return _build(raw, raw.headers.get("Content-Type", ""), raw.body, encrypted=False)

"""The secure channel on the server: open an encrypted request, seal its response.

Pre-authentication failures raise `Problem` (answered plain); once the tag has verified,
everything the client gets back is sealed with the same key.
"""

from __future__ import annotations

import io
import json
import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.http import HttpResponse, QueryDict
from django.utils.encoding import escape_uri_path

from core.crypto import envelope
from core.drf import has_lone_surrogate
from core.errors import PROBLEM_TYPE, ErrorCode
from credential.keys import keyring
from credential.sessions import SessionError, session_resolve
from gateway.problems import Problem, error_response
from gateway.replay import safe_nonce_first_sight
from replication import exactly_once

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

logger = logging.getLogger("platform.gateway")

# Headers a sealed response keeps in the clear; anything else could leak the plaintext.
CLEAR_HEADERS = ("Retry-After", "Allow", "X-Request-Id", "X-Error-Id", "Cache-Control")
MAX_SESSION_ID_LENGTH = 128
RSA_CIPHERTEXT_SIZE = 384


@dataclass
class Opened:
    key: bytes
    nonce_b64: str
    plaintext: bytes
    session: object = None
    timestamp_ms: int = 0
    digest: str = ""  # names the sealed request (replication.exactly_once.digest)


def wire_path(request) -> str:
    """The request path exactly as sent (percent-encoding kept) when the server tells it."""
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
    if raw:
        return urlsplit(raw).path if "://" in raw else raw.split("?", 1)[0]
    return escape_uri_path(request.path)


def _check_skew(timestamp_ms: int, skew_ms: int) -> None:
    if abs(time.time() * 1000 - timestamp_ms) > skew_ms:
        raise Problem(ErrorCode.STALE_TIMESTAMP, log=f"timestamp off by more than {skew_ms} ms")


def _login_key(meta: dict, timestamp_ms: int, skew_ms: int) -> bytes:
    kid = meta.get("HTTP_X_KEY_ID", "")
    encrypted_key = envelope.decode_b64(
        meta.get("HTTP_X_ENCRYPTED_KEY"), size=RSA_CIPHERTEXT_SIZE, name="X-Encrypted-Key"
    )
    if not kid or len(kid) > 64:
        raise Problem(ErrorCode.MALFORMED_REQUEST, log="X-Key-Id missing or too long")
    private = keyring.private_key(kid)
    if private is None:
        raise Problem(ErrorCode.UNKNOWN_KEY, log="X-Key-Id names no accepted key")
    _check_skew(timestamp_ms, skew_ms)  # before the RSA work, which costs the most
    return envelope.unwrap_session_key(private, encrypted_key)


def _session_key(session_id: str, timestamp_ms: int, skew_ms: int):
    if not session_id:
        raise Problem(ErrorCode.SESSION_REQUIRED)
    if len(session_id) > MAX_SESSION_ID_LENGTH or not session_id.isascii():
        raise Problem(ErrorCode.SESSION_INVALID, log="malformed session id")
    _check_skew(timestamp_ms, skew_ms)
    try:
        return session_resolve(session_id)
    except SessionError as exc:
        raise Problem(ErrorCode(exc.code), log="session lookup failed") from None


def open_request(request, *, login: bool, skew_ms: int) -> Opened:
    """Authenticate and decrypt `request`; raises Problem or envelope.EnvelopeError."""
    meta = request.META
    nonce_b64 = meta.get("HTTP_X_NONCE")
    nonce = envelope.decode_b64(nonce_b64, size=envelope.NONCE_SIZE, name="X-Nonce")
    tag = envelope.decode_b64(meta.get("HTTP_X_TAG"), size=envelope.TAG_SIZE, name="X-Tag")
    timestamp_text = meta.get("HTTP_X_TIMESTAMP")
    timestamp_ms = envelope.parse_timestamp(timestamp_text)
    session_id = meta.get("HTTP_X_SESSION_ID", "")
    session = None
    if login:
        if session_id:
            raise Problem(ErrorCode.MALFORMED_REQUEST, log="login carries X-Session-Id")
        key = _login_key(meta, timestamp_ms, skew_ms)
    else:
        session, key = _session_key(session_id, timestamp_ms, skew_ms)
    aad = envelope.request_aad(
        method=request.method,
        path=wire_path(request),
        query=meta.get("QUERY_STRING", ""),
        session_id=session_id,
        timestamp=timestamp_text,
        nonce_b64=nonce_b64,
    )
    plaintext = envelope.open_request(
        key=key, nonce=nonce, ciphertext=request.body, tag=tag, aad=aad
    )
    # A safe request's nonce is checked here, on this node; an unsafe one's is recorded
    # with its write, in its transaction (the envelope middleware).
    if request.method in SAFE_METHODS and not safe_nonce_first_sight(key=key, nonce_b64=nonce_b64):
        raise Problem(ErrorCode.REPLAYED_NONCE, log="nonce seen before with this key")
    return Opened(
        key=key,
        nonce_b64=nonce_b64,
        plaintext=plaintext,
        session=session,
        timestamp_ms=timestamp_ms,
        digest=exactly_once.digest(tag_b64=meta.get("HTTP_X_TAG", ""), body=request.body),
    )


class BadPayload(Exception):
    """The decrypted payload is not what the method calls for (answered sealed, 400)."""


def _query_value(value) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise BadPayload("a query value is a scalar or a non-empty list")
    out = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, (str, int, float)):
            out.append(str(item))
        else:
            raise BadPayload("query values are strings, numbers, booleans or lists of those")
    return out


def hand_to_view(request, opened: Opened) -> None:
    """Make the plaintext the request: JSON body for DRF, or query parameters."""
    body = opened.plaintext
    if request.method in ("GET", "DELETE", "HEAD") and body:
        try:
            params = json.loads(body)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise BadPayload("the payload of a GET or DELETE must be a JSON object") from None
        if not isinstance(params, dict) or has_lone_surrogate(params):
            raise BadPayload("the payload of a GET or DELETE must be a JSON object of text")
        query = request.GET.copy()
        for name, value in params.items():
            query.setlist(name, _query_value(value))
        request.GET = query
        body = b""
    request._body = body
    request._stream = io.BytesIO(body)
    request._read_started = False
    request.META["CONTENT_LENGTH"] = str(len(body))
    request.META["CONTENT_TYPE"] = "application/json" if body else ""
    request.POST, request._files = QueryDict(), None
    request._dont_enforce_csrf_checks = True  # authenticated by the envelope, no cookies


ERROR_CODES = {
    400: ErrorCode.INVALID,
    403: ErrorCode.PERMISSION_DENIED,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
}


def as_json_error(response: HttpResponse) -> HttpResponse:
    """Django's own error pages are HTML; the client gets the one error body instead."""
    content_type = response.get("Content-Type", "")
    if response.status_code < 400 or content_type.startswith(("application/json", PROBLEM_TYPE)):
        return response
    code = ERROR_CODES.get(response.status_code, ErrorCode.SERVER_ERROR)
    replacement = error_response(code)
    replacement.status_code = response.status_code
    for name in CLEAR_HEADERS:
        if name in response:
            replacement[name] = response[name]
    return replacement


def seal(response: HttpResponse, opened: Opened) -> HttpResponse:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "application/octet-stream")
    sealed = envelope.seal_response(
        key=opened.key,
        status=response.status_code,
        request_nonce_b64=opened.nonce_b64,
        content_type=content_type,
        plaintext=content,
    )
    out = HttpResponse(sealed.ciphertext, status=response.status_code)
    out["Content-Type"] = "application/octet-stream"
    out["X-Content-Type"] = content_type
    out["X-Nonce"] = sealed.nonce_b64
    out["X-Tag"] = sealed.tag_b64
    for name in CLEAR_HEADERS:
        if name in response:
            out[name] = response[name]
    return out

"""The error vocabulary: every code a client can meet, with its status and meaning.

One body for every error, plain or sealed: RFC 9457 problem details (`type`, `title`,
`status`, `detail`) plus the platform's members — `code` always; `fields` on validation
errors (each field to its messages); `current` on a version conflict (the object as it is
now); `retry_after_seconds` on every 429 and 503 that says when to come back (with a
`Retry-After` header of the same value); `error_id` on a 500 (the id in the node's log).
Errors found before a request is authenticated travel plain as
`application/problem+json`; after, sealed under the session key (docs/PROTOCOL.md).

`ErrorCode` holds the platform's codes; a service declares its own refusals the same way,
as a `CodeEnum` of its own in its `errors.py`. `docs/PROTOCOL.md`'s error table is tested
against this enum.
"""

from __future__ import annotations

import json
from enum import StrEnum
from http import HTTPStatus

PROBLEM_TYPE = "application/problem+json"


class CodeEnum(StrEnum):
    """An error code (its value) with the HTTP status it comes with and a one-line meaning."""

    def __new__(cls, code: str, status: int, meaning: str):
        member = str.__new__(cls, code)
        member._value_ = code
        member.status = status
        member.meaning = meaning
        return member

    def __str__(self) -> str:
        return self.value


class ErrorCode(CodeEnum):
    # Before the request is authenticated: plain problem+json.
    MALFORMED_REQUEST = (
        "malformed_request",
        400,
        "A header is missing, undecodable or of the wrong size.",
    )
    UNKNOWN_KEY = "unknown_key", 400, "X-Key-Id names no server key that is accepted now."
    DECRYPT_FAILED = (
        "decrypt_failed",
        400,
        "The request did not decrypt (tampered, or the wrong key).",
    )
    STALE_TIMESTAMP = (
        "stale_timestamp",
        401,
        "X-Timestamp is too far from the server's clock; correct it from X-Server-Time.",
    )
    REPLAYED_NONCE = (
        "replayed_nonce",
        401,
        "This nonce was used before with this key for a different request.",
    )
    SESSION_REQUIRED = "session_required", 401, "The request needs X-Session-Id; log in first."
    SESSION_INVALID = "session_invalid", 401, "The session is unknown or has ended; log in again."
    SESSION_EXPIRED = (
        "session_expired",
        401,
        "The session passed its idle timeout or lifetime; log in again.",
    )
    BODY_TOO_LARGE = "body_too_large", 413, "The request body is larger than the server accepts."
    RATE_LIMITED = (
        "rate_limited",
        429,
        "Too many requests; nothing was applied; retry after retry_after_seconds.",
    )
    DATABASE_UNAVAILABLE = (
        "database_unavailable",
        503,
        "The node's database failed before anything was applied; send it again (a fresh envelope).",
    )
    HOME_UNAVAILABLE = (
        "home_unavailable",
        503,
        "The service's home database is unreachable; nothing was applied; retry later.",
    )
    OUTCOME_UNKNOWN = (
        "outcome_unknown",
        503,
        "The request may or may not have been applied; resend only the identical envelope.",
    )
    # After: sealed under the session key.
    INVALID = "invalid", 400, "Some fields are not valid; see fields."
    PARSE_ERROR = "parse_error", 400, "The payload is not valid JSON (or not valid Unicode)."
    INVALID_PAYLOAD = (
        "invalid_payload",
        400,
        "The decrypted payload is not what the method calls for.",
    )
    INVALID_CREDENTIALS = "invalid_credentials", 401, "Wrong username or password."
    NOT_AUTHENTICATED = "not_authenticated", 401, "The request carries no authenticated caller."
    PERMISSION_DENIED = "permission_denied", 403, "The caller may not do this."
    NO_GRANT = "no_grant", 403, "The caller holds no grant for this service."
    MISSING_GRANT = (
        "missing_grant",
        403,
        "This needs a grant the caller does not hold (read, write or admin).",
    )
    NOT_FOUND = "not_found", 404, "No such object, or not one the caller may see."
    UNKNOWN_SERVICE = "unknown_service", 404, "No service has this code."
    METHOD_NOT_ALLOWED = "method_not_allowed", 405, "This path does not take this method."
    NOT_ACCEPTABLE = "not_acceptable", 406, "No acceptable representation."
    CONFLICT = "conflict", 409, "The request conflicts with the current state."
    VERSION_CONFLICT = (
        "version_conflict",
        409,
        "The object changed since it was read; current holds it now.",
    )
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", 415, "The payload is not JSON."
    LOCKED_OUT = "locked_out", 429, "Too many failed logins; try again after retry_after_seconds."
    SERVER_ERROR = "server_error", 500, "The server failed; error_id names the failure in its log."
    MAINTENANCE = (
        "maintenance",
        503,
        "The service is in maintenance; detail says why; retry after retry_after_seconds.",
    )
    SERVICE_DISABLED = "service_disabled", 503, "An administrator has switched this service off."
    SERVICE_UNAVAILABLE = (
        "service_unavailable",
        503,
        "The service is failing and its circuit breaker is open; retry later.",
    )
    HOME_MOVING = (
        "home_moving",
        503,
        "The service's home database is being moved; nothing was applied; retry after retry_after_seconds.",
    )
    STATEMENT_TIMEOUT = (
        "statement_timeout",
        504,
        "A database statement ran past the service's limit; nothing was applied.",
    )


# Codes whose answers always say when to come back.
RETRY_STATUSES = frozenset({429, 503})


def error_body(code: CodeEnum, *, detail: str | None = None, **members) -> dict:
    """The body of an error answer; `members` are fields/current/retry_after_seconds/error_id."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(code.status).phrase,
        "status": code.status,
        "code": code.value,
        "detail": detail or code.meaning,
    }
    body.update({name: value for name, value in members.items() if value is not None})
    return body


def error_headers(body: dict) -> dict[str, str]:
    """The headers that go with an error body: Retry-After mirrors retry_after_seconds."""
    seconds = body.get("retry_after_seconds")
    return {} if seconds is None else {"Retry-After": str(int(seconds))}


def problem_json(code: CodeEnum, **members) -> bytes:
    return json.dumps(error_body(code, **members)).encode()


def lookup(value: str) -> CodeEnum | None:
    """The platform code spelled `value`, if it is one."""
    try:
        return ErrorCode(value)
    except ValueError:
        return None

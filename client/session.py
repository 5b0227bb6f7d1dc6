"""`PlatformClient`: login, encrypted requests, clock-skew correction, retries, failover."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from client import crypto
from client.errors import (
    AlreadyApplied,
    ClientError,
    ConnectionFailed,
    NotLoggedIn,
    ProtocolError,
)
from client.keys import ServerKey, choose_key, parse_server_keys
from client.known_keys import KnownKeys
from client.response import Response, decode_response
from client.target import join_target, split_target
from client.transport import RawResponse, RequestsTransport, Transport

PUBLIC_KEY_PATH = "/api/v1/credential/public-key"
LOGIN_PATH = "/api/v1/credential/login"
LOGOUT_PATH = "/api/v1/credential/logout"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
QUERY_OBJECT_METHODS = frozenset({"GET", "DELETE"})
SESSION_GONE_CODES = frozenset({"session_required", "session_invalid", "session_expired"})
# Answers after which the node has certainly applied nothing: any method may be retried.
NOT_APPLIED_CODES = frozenset({"database_unavailable", "rate_limited"})
MAX_REQUESTS_PER_KEY = 2**31
RETRY_AFTER_CAP_SECONDS = 5.0

# One attempt's wire form: (path_and_query, headers, body, request nonce or None).
Prepared = tuple[str, dict[str, str], bytes, str | None]


@dataclass(frozen=True)
class SessionState:
    session_id: str = field(repr=False)
    key: bytes = field(repr=False)


class PlatformClient:
    """A client of the platform's encrypted protocol (not thread-safe; one per thread).

    Retries: GET, HEAD, OPTIONS, PUT and DELETE are idempotent, so they are retried
    up to `retries` times on a connection failure or a 503, each time with a fresh
    nonce and timestamp and on the next of `base_urls` (failover). POST and PATCH are
    retried with a fresh envelope when the connection failed before any byte was sent;
    when it broke after the request may have reached a node, the *identical* envelope
    is sent again (same nonce): the server records a write's nonce in the write's own
    transaction, so the resend either applies it once or is refused as a replay, which
    raises AlreadyApplied. A 503 `database_unavailable` (the node's own database failed)
    and a 429 `rate_limited` mean nothing was applied: they are retried for every
    method. Retry-After is honoured up to RETRY_AFTER_CAP_SECONDS.

    Clock skew: every response carries X-Server-Time; the client keeps the offset to
    its own clock and, after a plain 401 `stale_timestamp`, retries once with it.

    Server keys: with `pinned_fingerprints` only those keys are used; else, with
    `known_keys` (a `KnownKeys` file), keys are trusted on first use and a list holding
    no known key is refused (client/known_keys.py). With neither, any key list is
    believed: fine against a test server, never for real use.
    """

    def __init__(
        self,
        base_urls: list[str] | str,
        *,
        pinned_fingerprints: list[str] | None = None,
        known_keys: KnownKeys | None = None,
        transport: Transport | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        retry_backoff: float = 0.05,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        if not urls:
            raise ValueError("at least one base URL is needed")
        self.base_urls = [url.rstrip("/") for url in urls]
        self.pins = {crypto.normalise_fingerprint(fp) for fp in pinned_fingerprints or []}
        self.known_keys = known_keys
        self.transport: Transport = transport or RequestsTransport()
        self.timeout, self.retries, self.retry_backoff = timeout, retries, retry_backoff
        self._clock, self._sleep = clock, sleep
        self.clock_offset_ms = 0
        self.server_key: ServerKey | None = None
        self.login_info: dict[str, Any] | None = None
        self._session: SessionState | None = None
        self._key_uses = 0
        self._url_index = 0

    def __repr__(self) -> str:
        return f"PlatformClient(base_urls={self.base_urls!r}, logged_in={self.logged_in})"

    @property
    def logged_in(self) -> bool:
        return self._session is not None

    @property
    def session(self) -> SessionState | None:
        return self._session

    def resume(self, session: SessionState) -> None:
        """Continue a session saved earlier (e.g. by the CLI)."""
        self._session, self._key_uses = session, 0

    def forget_session(self) -> None:
        self._session, self.login_info = None, None

    # Public key -------------------------------------------------------------

    def fetch_public_keys(self) -> list[ServerKey]:
        """Fetch the server keys, choose one into `server_key` (see `choose_key`), return all.

        Pins decide when given; otherwise the known-keys file, if any, admits the list.
        """
        response = self._exchange("GET", lambda: (PUBLIC_KEY_PATH, {}, b"", None), key=None)
        if response.status != 200:
            raise ProtocolError(f"the public key list answered {response.status}")
        keys = parse_server_keys(response.data)
        allowed = self.pins
        if not allowed and self.known_keys is not None:
            serving = self.base_urls[self._url_index]  # the URL that answered, after failover
            allowed = self.known_keys.admit(keys, base_urls=self.base_urls, serving=serving)
        self.server_key = choose_key(keys, allowed)
        return keys

    # Session ----------------------------------------------------------------

    def login(
        self, username: str, password: str, client_info: dict[str, str] | None = None
    ) -> Response:
        """Log in with a fresh session key; on 200 the session is kept for later calls."""
        payload: dict[str, Any] = {"username": username, "password": password}
        if client_info:
            payload["client"] = client_info
        plaintext, key = _json_bytes(payload), crypto.new_session_key()
        self._key_uses = 0
        if self.server_key is None:
            self.fetch_public_keys()
        response = self._login_once(self.server_key, plaintext, key)
        if response.code == "unknown_key" and not response.encrypted:
            self.fetch_public_keys()  # the key list rotated since it was fetched
            response = self._login_once(self.server_key, plaintext, key)
        if response.status == 200:
            self._start_session(response, key)
        return response

    def logout(self) -> Response:
        try:
            return self.post(LOGOUT_PATH)
        finally:
            self.forget_session()

    def _login_once(self, server_key: ServerKey | None, plaintext: bytes, key: bytes) -> Response:
        if server_key is None:
            raise ProtocolError("no server key to log in with")
        extra = {
            "X-Key-Id": server_key.kid,
            "X-Encrypted-Key": crypto.b64(crypto.wrap_session_key(server_key.public_key_pem, key)),
        }
        prepare = self._sealer(
            "POST", LOGIN_PATH, "", plaintext, key=key, session_id="", extra=extra
        )
        return self._exchange("POST", prepare, key=key)

    def _start_session(self, response: Response, key: bytes) -> None:
        data = response.data
        if not isinstance(data, dict) or not isinstance(data.get("session_id"), str):
            raise ProtocolError("the login answer carries no session id")
        self._session = SessionState(session_id=data["session_id"], key=key)
        self.login_info = data

    # Encrypted requests -----------------------------------------------------

    def get(self, path: str, data: Mapping[str, Any] | None = None, *, params=None) -> Response:
        return self.request("GET", path, data, params=params)

    def post(self, path: str, data: Any = None, *, params=None) -> Response:
        return self.request("POST", path, data, params=params)

    def put(self, path: str, data: Any = None, *, params=None) -> Response:
        return self.request("PUT", path, data, params=params)

    def patch(self, path: str, data: Any = None, *, params=None) -> Response:
        return self.request("PATCH", path, data, params=params)

    def delete(self, path: str, data: Mapping[str, Any] | None = None, *, params=None) -> Response:
        return self.request("DELETE", path, data, params=params)

    def request(
        self, method: str, path: str, data: Any = None, *, params: Mapping[str, Any] | None = None
    ) -> Response:
        """Send an encrypted request. For GET and DELETE, `data` is the query-parameter object."""
        method = method.upper()
        if self._session is None:
            raise NotLoggedIn("log in first")
        state = self._session
        wire_path, query = split_target(path, params)
        plaintext = _body(method, data)
        prepare = self._sealer(
            method, wire_path, query, plaintext, key=state.key, session_id=state.session_id
        )
        response = self._exchange(method, prepare, key=state.key)
        if response.code in SESSION_GONE_CODES and not response.encrypted:
            self.forget_session()
        return response

    def _sealer(
        self,
        method: str,
        path: str,
        query: str,
        plaintext: bytes,
        *,
        key: bytes,
        session_id: str,
        extra: dict[str, str] | None = None,
    ) -> Callable[[], Prepared]:
        """Build each attempt afresh: new nonce, current (corrected) timestamp."""

        def prepare() -> Prepared:
            self._count_key_use()
            timestamp = self.now_ms()
            sealed = crypto.seal_request(
                key=key,
                method=method,
                path=path,
                query=query,
                session_id=session_id,
                timestamp=timestamp,
                plaintext=plaintext,
            )
            headers = {
                "Content-Type": "application/octet-stream",
                "X-Nonce": sealed.nonce_b64,
                "X-Timestamp": str(timestamp),
                "X-Tag": sealed.tag_b64,
                **({"X-Session-Id": session_id} if session_id else {}),
                **(extra or {}),
            }
            return join_target(path, query), headers, sealed.ciphertext, sealed.nonce_b64

        return prepare

    def _count_key_use(self) -> None:
        if self._key_uses >= MAX_REQUESTS_PER_KEY:
            raise ClientError("this session key has served its 2^31 requests; log in again")
        self._key_uses += 1

    # Sending, retries, clock ------------------------------------------------

    def now_ms(self) -> int:
        return int(self._clock() * 1000) + self.clock_offset_ms

    def _exchange(
        self, method: str, prepare: Callable[[], Prepared], *, key: bytes | None
    ) -> Response:
        attempt, skew_retried, resend, resent = 0, False, None, False
        while True:
            target, headers, body, nonce_b64 = resend or prepare()
            resend = None
            base_url = self.base_urls[self._url_index]
            try:
                raw = self.transport.send(base_url, method, target, headers, body, self.timeout)
            except ConnectionFailed as exc:
                if attempt >= self.retries:
                    raise
                if method not in IDEMPOTENT_METHODS and exc.sent:
                    # The node may have applied it. Send the very same envelope again: the
                    # server claims a write's nonce in the write's own transaction, so the
                    # resend either runs it (the first attempt rolled back) or is refused
                    # as a replay (it was applied) — never applied twice.
                    resend, resent = (target, headers, body, nonce_b64), True
                attempt = self._fail_over(attempt, None)
                continue
            if resent and _plain_code(raw) == "replayed_nonce":
                raise AlreadyApplied(f"{method} was applied before its answer was lost")
            self._learn_clock(raw)
            if not skew_retried and _plain_code(raw) == "stale_timestamp":
                skew_retried = True
                continue
            response = decode_response(raw, key=key, request_nonce_b64=nonce_b64)
            not_applied = response.code in NOT_APPLIED_CODES
            retryable = (raw.status == 503 and method in IDEMPOTENT_METHODS) or not_applied
            if retryable and attempt < self.retries:
                attempt = self._fail_over(attempt, raw.headers.get("Retry-After"))
                continue
            return response

    def _fail_over(self, attempt: int, retry_after: str | None) -> int:
        self._url_index = (self._url_index + 1) % len(self.base_urls)
        delay = self.retry_backoff * 2**attempt
        if retry_after and retry_after.strip().isdigit():
            delay = float(retry_after.strip())
        self._sleep(min(delay, RETRY_AFTER_CAP_SECONDS))
        return attempt + 1

    def _learn_clock(self, raw: RawResponse) -> None:
        server_time = (raw.headers.get("X-Server-Time") or "").strip()
        if server_time.isascii() and server_time.isdigit():
            self.clock_offset_ms = int(server_time) - int(self._clock() * 1000)

    def close(self) -> None:
        close = getattr(self.transport, "close", None)
        if close is not None:
            close()


def _plain_code(raw: RawResponse) -> str | None:
    if raw.status != 401 or "X-Tag" in raw.headers:
        return None
    try:
        data = json.loads(raw.body)
    except ValueError:
        return None
    return data.get("code") if isinstance(data, dict) else None


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _body(method: str, data: Any) -> bytes:
    if data is None:
        return b""
    if method in QUERY_OBJECT_METHODS and not isinstance(data, Mapping):
        raise TypeError(f"{method} data must be a mapping of query parameters")
    return _json_bytes(dict(data) if isinstance(data, Mapping) else data)

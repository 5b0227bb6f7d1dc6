"""`PlatformClient`: login, encrypted requests, clock-skew correction, retries, failover."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from client import crypto
from client.errors import (
    ClientError,
    ConnectionFailed,
    NotLoggedIn,
    OutcomeUnknown,
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
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
QUERY_OBJECT_METHODS = frozenset({"GET", "DELETE"})
SESSION_GONE_CODES = frozenset({"session_required", "session_invalid", "session_expired"})
# Answers after which the node has certainly applied nothing: any method may be sent
# again as a fresh envelope (after Retry-After).
NOT_APPLIED_CODES = frozenset(
    {
        "database_unavailable",
        "home_unavailable",
        "service_unavailable",
        "home_moving",
        "rate_limited",
    }
)
# An identical resend goes no sooner than this after its timestamp: the server applies a
# request this old only after asking the other database whether a copy of it is in flight.
RESEND_AFTER_SECONDS = 3.0
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

    Retries (docs/PROTOCOL.md, Retrying), each on the next of `base_urls` (failover):
    - safe requests (GET, HEAD, OPTIONS) apply nothing: after a connection failure or a
      503 they are sent again as fresh envelopes, up to `retries` times;
    - an answer meaning nothing was applied (NOT_APPLIED_CODES), or a connection refused
      before any byte was sent: any method is sent again as a fresh envelope, up to
      `retries` times, after Retry-After (capped at RETRY_AFTER_CAP_SECONDS);
    - an unsafe request whose outcome is unknown (the connection broke after sending, a
      timeout, 503 `outcome_unknown`): only the *identical* envelope is sent again, no
      sooner than RESEND_AFTER_SECONDS after its timestamp, up to `resends` times while
      within `resend_window` seconds of it; the server applies it once or answers as it
      did the first time. Past that, OutcomeUnknown.

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
        resends: int = 30,
        resend_window: float = 100.0,
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
        self.resends, self.resend_window = resends, resend_window
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
        """Send one request, retrying as docs/PROTOCOL.md (Retrying) allows.

        Once an attempt of an unsafe request may have been applied (a connection that broke
        after sending, a timeout, `outcome_unknown`), only the identical envelope goes
        again — no sooner than RESEND_AFTER_SECONDS after its timestamp, and within
        `resend_window` — so it is applied once or answered as it was.
        """
        attempt, skew_retried, unknown = 0, False, False
        wire = prepare()
        while True:
            target, headers, body, nonce_b64 = wire
            base_url = self.base_urls[self._url_index]
            try:
                raw = self.transport.send(base_url, method, target, headers, body, self.timeout)
            except ConnectionFailed as exc:
                if method not in SAFE_METHODS and (exc.sent or unknown):
                    unknown = True  # it may have been applied: only the identical may follow
                if not self._may_try_again(attempt, unknown, wire):
                    if unknown:
                        raise OutcomeUnknown(f"{method} may have been applied: {exc}") from exc
                    raise
                attempt = self._fail_over(attempt, None, wire if unknown else None)
                wire = wire if unknown else prepare()
                continue
            self._learn_clock(raw)
            if not skew_retried and not unknown and _plain_code(raw) == "stale_timestamp":
                skew_retried, wire = True, prepare()
                continue
            response = decode_response(raw, key=key, request_nonce_b64=nonce_b64)
            again = self._retry_kind(method, response, unknown=unknown)
            if again == "unknown":
                unknown = True
            if again is None or not self._may_try_again(attempt, unknown, wire):
                if unknown and again is not None:
                    raise OutcomeUnknown(f"{method} may have been applied ({response.code})")
                return response
            attempt = self._fail_over(
                attempt, raw.headers.get("Retry-After"), wire if unknown else None
            )
            wire = wire if unknown else prepare()

    def _retry_kind(self, method: str, response: Response, *, unknown: bool) -> str | None:
        """How an answer may be retried: "fresh", "unknown" or None (it is the answer)."""
        if response.code == "outcome_unknown" and method not in SAFE_METHODS:
            return "unknown"
        if unknown and response.status in (502, 503, 504) and response.code != "service_disabled":
            return "unknown"  # this copy applied nothing; an earlier one may have
        if response.code in NOT_APPLIED_CODES:
            return "fresh"
        if (
            response.status == 503
            and method in SAFE_METHODS
            and response.code != "service_disabled"
        ):
            return "fresh"
        return None

    def _may_try_again(self, attempt: int, unknown: bool, wire: Prepared) -> bool:
        if not unknown:
            return attempt < self.retries
        # An identical resend: as long as the server still accepts its timestamp.
        sent_ms = int(wire[1]["X-Timestamp"])
        return attempt < self.resends and self.now_ms() < sent_ms + self.resend_window * 1000

    def _fail_over(self, attempt: int, retry_after: str | None, resend: Prepared | None) -> int:
        """Wait, and move to the next base URL. Before an identical resend, wait at least
        until RESEND_AFTER_SECONDS past its timestamp (docs/PROTOCOL.md, Retrying)."""
        self._url_index = (self._url_index + 1) % len(self.base_urls)
        delay = self.retry_backoff * 2**attempt
        if retry_after and retry_after.strip().isdigit():
            delay = float(retry_after.strip())
        delay = min(delay, RETRY_AFTER_CAP_SECONDS)
        if resend is not None:
            due_ms = int(resend[1]["X-Timestamp"]) + RESEND_AFTER_SECONDS * 1000
            delay = max(delay, (due_ms - self.now_ms()) / 1000)
        self._sleep(max(delay, 0.0))
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

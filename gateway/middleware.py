"""The gateway's envelope middleware: the first thing every API request meets.

For `/api/v1/` paths (but the public key), it checks the envelope headers, finds the
session (or unwraps the login key), verifies and decrypts the body, refuses replays,
hands the plaintext to the view as an ordinary JSON request with `request.credential`
attached, and seals whatever comes back — errors raised by views included. Errors found
before the request is authenticated are plain problem+json with a short code; the
reason goes to the log only. Every response carries X-Server-Time.
"""

from __future__ import annotations

import json
import logging
import time
import uuid

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.http import JsonResponse

from credential.audit import Kind, audit
from credential.grants import Credential
from gateway import channel, envelope, metrics, statement_timeout
from gateway.breaker import BREAKER_STATES
from gateway.problems import Problem, problem_response
from gateway.ratelimit import Limiter
from gateway.routing import routes
from replication.routers import read_from_home, wrote_to_home_peer

logger = logging.getLogger("platform.gateway")

API_PREFIX = "/api/v1/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_PATHS = frozenset({"/api/v1/credential/public-key"})
LOGIN_PATH = "/api/v1/credential/login"
AUDITED = {"decrypt_failed": Kind.DECRYPT_FAILED, "replayed_nonce": Kind.REPLAY}


def _stamp(response):
    response["X-Server-Time"] = str(int(time.time() * 1000))
    if not response.streaming and "Content-Length" not in response:
        response["Content-Length"] = str(len(response.content))  # one write, not chunked
    return response


class EnvelopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.skew_ms = settings.PLATFORM_CLOCK_SKEW_SECONDS * 1000
        self.max_body = settings.PLATFORM_MAX_BODY_BYTES
        self.per_address = Limiter(
            settings.GATEWAY_ADDRESS_RATE_PER_SECOND, settings.GATEWAY_ADDRESS_BURST
        )
        self.per_session = Limiter(
            settings.GATEWAY_SESSION_RATE_PER_SECOND, settings.GATEWAY_SESSION_BURST
        )

    def __call__(self, request):
        path = request.path_info
        if not path.startswith(API_PREFIX) or path in PUBLIC_PATHS:
            return _stamp(self.get_response(request))
        try:
            if request.method in SAFE_METHODS:
                return _stamp(self._handle(request, path))
            # A write and its nonce commit together: a worker killed mid-request leaves
            # neither, so the client may resend the identical envelope (client/session.py).
            with transaction.atomic():
                response = self._handle(request, path)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
            return _stamp(response)
        except DatabaseError:
            # The node's own database failed before the request was authenticated or at
            # its commit: nothing was applied, so the client may send it again anywhere.
            logger.warning("database unavailable", exc_info=True, extra={"path": path})
            request.outcome = "database_unavailable"
            return _stamp(
                problem_response(503, "database_unavailable", headers={"Retry-After": "1"})
            )

    def _handle(self, request, path):
        try:
            request.get_host()  # a foreign Host is refused before any crypto work
        except DisallowedHost:
            return problem_response(400, "malformed_request")
        try:
            self._check_rate(self.per_address, request.META.get("REMOTE_ADDR", ""))
            self._check_size(request)
            opened = channel.open_request(request, login=path == LOGIN_PATH, skew_ms=self.skew_ms)
        except (Problem, envelope.EnvelopeError) as exc:
            return self._refuse(request, exc)
        request.envelope = opened
        request.credential = (
            Credential(user=opened.session.user, session=opened.session) if opened.session else None
        )
        wait = self.per_session.take(opened.session.id_hash) if opened.session else 0
        try:
            channel.hand_to_view(request, opened)
        except channel.BadPayload as exc:
            response = JsonResponse({"code": "invalid_payload", "detail": str(exc)}, status=400)
        else:
            if wait:
                response = _answer(429, {"code": "rate_limited"}, retry_after=wait)
            else:
                response = channel.as_json_error(self.get_response(request))
        request.outcome = _outcome(response)
        if request.method == "HEAD":
            response.content = b""  # HTTP drops a HEAD body: seal what the client gets
        return channel.seal(response, opened)

    def process_exception(self, request, exception):
        """A service's unhandled exception: logged with an id; the client gets the id only."""
        if getattr(request, "envelope", None) is None:
            if isinstance(exception, DatabaseError) and request.path_info in PUBLIC_PATHS:
                # The key list, before any envelope: a connection the database dropped
                # (e.g. it restarted) fails its first query here too; nothing was applied.
                logger.warning("database unavailable", extra={"path": request.path_info})
                return problem_response(503, "database_unavailable", headers={"Retry-After": "1"})
            return None
        if isinstance(exception, (OperationalError, InterfaceError)) and wrote_to_home_peer():
            logger.warning("home database unavailable", extra={"path": request.path_info})
            return _answer(503, {"code": "home_unavailable"}, retry_after=5)
        if isinstance(exception, OperationalError) and _connection_lost(exception):
            logger.warning("database unavailable", extra={"path": request.path_info})
            return _answer(503, {"code": "database_unavailable"}, retry_after=1)
        if statement_timeout.is_timeout(exception):
            logger.warning("statement timeout", extra={"path": request.path_info})
            return JsonResponse({"code": "statement_timeout"}, status=504)
        error_id = uuid.uuid4().hex[:16]
        logger.error(
            "unhandled exception in a service",
            exc_info=exception,
            extra={"error_id": error_id, "path": request.path_info},
        )
        response = JsonResponse({"code": "server_error", "error_id": error_id}, status=500)
        response["X-Error-Id"] = error_id
        return response

    def _check_rate(self, limiter: Limiter, key: str) -> None:
        wait = limiter.take(key)
        if wait:
            raise Problem(
                429,
                "rate_limited",
                log="client address over its rate",
                headers={"Retry-After": str(wait)},
            )

    def _check_size(self, request) -> None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise Problem(400, "malformed_request", log="Content-Length is not a number") from None
        if length > self.max_body:
            raise Problem(413, "body_too_large", log=f"body of {length} bytes")

    def _refuse(self, request, exc):
        request.outcome = exc.code
        if isinstance(exc, envelope.EnvelopeError):
            status = 400
            exc = Problem(status, exc.code, log=str(exc))
        address = request.META.get("REMOTE_ADDR")
        logger.warning(
            "request refused",
            extra={
                "code": exc.code,
                "reason": exc.log,
                "path": request.path_info,
                "client": address,
            },
        )
        if exc.code in AUDITED:
            audit(AUDITED[exc.code], address=address, path=request.path_info[:200])
        return problem_response(exc.status, exc.code, headers=exc.headers)


# MySQL client errors meaning the server went away (CR_CONNECTION_ERROR and friends).
CONNECTION_LOST = {2002, 2003, 2006, 2013}


def _connection_lost(exc: BaseException) -> bool:
    return bool(exc.args) and exc.args[0] in CONNECTION_LOST


def _outcome(response) -> str:
    if response.status_code < 400:
        return "ok"
    try:
        return str(json.loads(response.content).get("code", "error"))[:40]
    except (ValueError, AttributeError, TypeError):
        return "error"


def _answer(status: int, body: dict, *, retry_after: int | None = None) -> JsonResponse:
    response = JsonResponse(body, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


class RoutingMiddleware:
    """Sends `/api/v1/<code>/…` to the service the routing table names, guarding it.

    Unknown or disabled service: 404. Maintenance: 503 with the message and Retry-After.
    A caller holding no grant at all for the service: 403 `no_grant`, before the service
    runs. An open circuit breaker: 503 at once. The answers are sealed by the envelope
    middleware around this one.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.reported: set[str] = set()

    def __call__(self, request):
        path = request.path_info
        if not path.startswith(API_PREFIX):
            return self.get_response(request)
        route = routes.get(path[len(API_PREFIX) :].split("/", 1)[0])
        if route is None or not route.enabled:
            return _answer(404, {"code": "unknown_service"})
        request.route = route
        refusal = self._refusal(request, route)
        if refusal is not None:
            return refusal
        breaker = routes.breaker(route.code)
        state_before = breaker.state
        allowed, retry_after = breaker.allow(route.breaker)
        if not allowed:
            return _answer(503, {"code": "service_unavailable"}, retry_after=retry_after)
        if route.home_node_policy and request.method not in SAFE_METHODS:
            read_from_home(route.code)
        statement_timeout.apply(route.statement_timeout_ms)
        request.urlconf = route.urlconf
        start = time.perf_counter()
        response = self.get_response(request)
        request.service_seconds = time.perf_counter() - start
        breaker.record(response.status_code >= 500, route.breaker)
        # The gauge is written when this worker first serves the service and on every
        # change of state, not on each request (in multiprocess mode it is a file write).
        if breaker.state != state_before or route.code not in self.reported:
            metrics.BREAKER_STATE.labels(route.code).set(BREAKER_STATES[breaker.state])
            self.reported.add(route.code)
        return response

    def _refusal(self, request, route):
        if route.maintenance:
            body = {"code": "maintenance", "message": route.maintenance_message}
            return _answer(503, body, retry_after=route.maintenance_retry_after_seconds)
        credential = getattr(request, "credential", None)
        if credential and route.requires_grant and not credential.has_any_grant(route.code):
            audit(
                Kind.PERMISSION_DENIED,
                user=credential.user,
                session=credential.session,
                service=route.code,
                reason="no_grant",
            )
            return _answer(403, {"code": "no_grant"})
        return None

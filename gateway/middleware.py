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
from django.db import Error, InterfaceError, OperationalError

from core import registry
from core.crypto import envelope
from core.errors import ErrorCode
from core.homewrites import HomeMoving, NotTheHome
from credential.audit import Kind, audit, audit_failure
from credential.grants import Credential
from gateway import certification, channel, metrics, once, statement_timeout
from gateway.breaker import BREAKER_STATES
from gateway.problems import Problem, error_response
from gateway.ratelimit import Limiter
from gateway.routing import routes
from replication.routers import read_from_home, wrote_to_home_peer

logger = logging.getLogger("platform.gateway")

API_PREFIX = registry.API_PREFIX
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The protocol's one login path (docs/PROTOCOL.md): its key comes from RSA, not a session.
LOGIN_PATH = "/api/v1/credential/login"
AUDITED = {ErrorCode.DECRYPT_FAILED: Kind.DECRYPT_FAILED, ErrorCode.REPLAYED_NONCE: Kind.REPLAY}


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
        self.per_address_login = Limiter(
            settings.GATEWAY_LOGIN_RATE_PER_SECOND, settings.GATEWAY_LOGIN_BURST
        )
        self.public_paths = registry.public_paths()

    def __call__(self, request):
        path = request.path_info
        if not path.startswith(API_PREFIX) or path in self.public_paths:
            return _stamp(self.get_response(request))
        try:
            return _stamp(self._handle(request, path))
        except Error:  # DatabaseError, or InterfaceError for a connection found closed
            # Outside any write's transaction (the session lookup, the key ring): nothing
            # was applied, so the client may send it again anywhere.
            logger.warning("database unavailable", exc_info=True, extra={"path": path})
            request.outcome = ErrorCode.DATABASE_UNAVAILABLE.value
            return _stamp(error_response(ErrorCode.DATABASE_UNAVAILABLE, retry_after=1))

    def _handle(self, request, path):
        try:
            request.get_host()  # a foreign Host is refused before any crypto work
        except DisallowedHost:
            return error_response(ErrorCode.MALFORMED_REQUEST)
        try:
            address = request.META.get("REMOTE_ADDR", "")
            self._check_rate(self.per_address, address)
            if path == LOGIN_PATH:  # a login costs an RSA private-key operation
                self._check_rate(self.per_address_login, address)
            self._check_size(request)
            opened = channel.open_request(request, login=path == LOGIN_PATH, skew_ms=self.skew_ms)
        except (Problem, envelope.EnvelopeError) as exc:
            return self._refuse(request, exc)
        request.envelope = opened
        request.credential = (
            Credential(user=opened.session.user, session=opened.session) if opened.session else None
        )
        if request.method in SAFE_METHODS:
            return self._respond(request, opened)
        # An unsafe request is applied at most once: its record commits with its write.
        return once.apply(request, opened, lambda: self._respond(request, opened))

    def _respond(self, request, opened):
        """Run the view on the decrypted request and seal what it answers."""
        wait = self.per_session.take(opened.session.id_hash) if opened.session else 0
        try:
            channel.hand_to_view(request, opened)
        except channel.BadPayload as exc:
            response = error_response(ErrorCode.INVALID_PAYLOAD, detail=str(exc))
        else:
            if wait:
                response = error_response(ErrorCode.RATE_LIMITED, retry_after=wait)
            else:
                response = channel.as_json_error(self.get_response(request))
        request.outcome = _outcome(response)
        if request.method == "HEAD":
            response.content = b""  # HTTP drops a HEAD body: seal what the client gets
        return channel.seal(response, opened)

    def process_exception(self, request, exception):
        """A service's unhandled exception: logged with an id; the client gets the id only."""
        if getattr(request, "envelope", None) is None:
            if isinstance(exception, Error) and request.path_info in self.public_paths:
                # The key list, before any envelope: a connection the database dropped
                # (e.g. it restarted) fails its first query here too; nothing was applied.
                logger.warning("database unavailable", extra={"path": request.path_info})
                return error_response(ErrorCode.DATABASE_UNAVAILABLE, retry_after=1)
            return None
        if isinstance(exception, (HomeMoving, NotTheHome)):  # the write guard: nothing applied
            return error_response(ErrorCode.HOME_MOVING, retry_after=HomeMoving.retry_after)
        if isinstance(exception, (OperationalError, InterfaceError)) and wrote_to_home_peer():
            logger.warning("home database unavailable", extra={"path": request.path_info})
            return error_response(ErrorCode.HOME_UNAVAILABLE, retry_after=5)
        outage = database_outage(request, exception)
        if outage is not None:
            return outage
        if statement_timeout.is_timeout(exception):
            logger.warning("statement timeout", extra={"path": request.path_info})
            return error_response(ErrorCode.STATEMENT_TIMEOUT)
        error_id = uuid.uuid4().hex[:16]
        logger.error(
            "unhandled exception in a service",
            exc_info=exception,
            extra={"error_id": error_id, "path": request.path_info},
        )
        response = error_response(ErrorCode.SERVER_ERROR, error_id=error_id)
        response["X-Error-Id"] = error_id
        return response

    def _check_rate(self, limiter: Limiter, key: str) -> None:
        wait = limiter.take(key)
        if wait:
            raise Problem(
                ErrorCode.RATE_LIMITED, log="client address over its rate", retry_after=wait
            )

    def _check_size(self, request) -> None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise Problem(
                ErrorCode.MALFORMED_REQUEST, log="Content-Length is not a number"
            ) from None
        if length > self.max_body:
            raise Problem(ErrorCode.BODY_TOO_LARGE, log=f"body of {length} bytes")

    def _refuse(self, request, exc):
        if isinstance(exc, envelope.EnvelopeError):
            exc = Problem(ErrorCode(exc.code), log=str(exc))
        request.outcome = exc.code.value
        address = request.META.get("REMOTE_ADDR")
        logger.warning(
            "request refused",
            extra={
                "code": exc.code.value,
                "reason": exc.log,
                "path": request.path_info,
                "client": address,
            },
        )
        if exc.code in AUDITED:
            audit_failure(AUDITED[exc.code], address=address, path=request.path_info)
        return exc.response()


# MySQL client errors meaning the server went away (CR_CONNECTION_ERROR and friends).
CONNECTION_LOST = {2002, 2003, 2006, 2013}


def _connection_lost(exc: BaseException) -> bool:
    return bool(exc.args) and exc.args[0] in CONNECTION_LOST


def database_outage(request, exc: Exception):
    """The answer to a database error after which nothing was applied and a resend can
    succeed, or None for any other error (the caller decides).

    - a Galera certification failure: the write set lost to another, applied nowhere;
    - a Galera member not ready (a membership change, or cut off in a minority);
    - a connection the database dropped (it restarted, or a member was killed and
      rejoined: the worker's kept connection is dead), found lost or already closed:
      503 `database_unavailable`, which clients resend. Django closes the broken
      connection when the request ends.
    """
    if certification.is_failure(exc):  # retried by once.apply first
        return certification.lost_response(request)
    if certification.is_not_ready(exc):
        logger.warning("database not ready", extra={"path": request.path_info})
        return error_response(ErrorCode.DATABASE_UNAVAILABLE, retry_after=1)
    if isinstance(exc, InterfaceError) or (
        isinstance(exc, OperationalError) and _connection_lost(exc)
    ):
        logger.warning("database unavailable", extra={"path": request.path_info})
        return error_response(ErrorCode.DATABASE_UNAVAILABLE, retry_after=1)
    return None


def _outcome(response) -> str:
    if response.status_code < 400:
        return "ok"
    try:
        return str(json.loads(response.content).get("code", "error"))[:40]
    except (ValueError, AttributeError, TypeError):
        return "error"


class RoutingMiddleware:
    """Sends `/api/v1/<code>/…` to the service the routing table names, guarding it.

    Unknown service: 404; disabled: 503 `service_disabled`. Maintenance: 503 with the
    message and Retry-After.
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
        try:
            route = routes.get(path[len(API_PREFIX) :].split("/", 1)[0])
            if route is None:
                return error_response(ErrorCode.UNKNOWN_SERVICE)
            if not route.enabled:
                return error_response(ErrorCode.SERVICE_DISABLED)
            request.route = route
            refusal = self._refusal(request, route)
        except Error as exc:
            # A database error in the routing table's refresh or the grant check, before
            # any view ran: nothing was applied, so never the 500 Django would make of it.
            # On Galera the grant check is also where a replicated write set that aborted
            # this attempt's exactly-once claim (the same envelope on another member)
            # surfaces.
            answer = database_outage(request, exc)
            if answer is None:
                raise
            return answer
        if refusal is not None:
            return refusal
        breaker = routes.breaker(route.code)
        state_before = breaker.state
        allowed, retry_after = breaker.allow(route.breaker)
        if not allowed:
            return error_response(ErrorCode.SERVICE_UNAVAILABLE, retry_after=retry_after)
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
            return error_response(
                ErrorCode.MAINTENANCE,
                detail=route.maintenance_message or None,
                retry_after=route.maintenance_retry_after_seconds,
            )
        credential = getattr(request, "credential", None)
        if credential and route.requires_grant and not credential.has_any_grant(route.code):
            audit(
                Kind.PERMISSION_DENIED,
                user=credential.user,
                session=credential.session,
                service=route.code,
                reason="no_grant",
            )
            return error_response(ErrorCode.NO_GRANT)
        return None

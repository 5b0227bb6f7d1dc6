"""The gateway's envelope middleware: the first thing every API request meets.

For `/api/v1/` paths (but the public key), it checks the envelope headers, finds the
session (or unwraps the login key), verifies and decrypts the body, refuses replays,
hands the plaintext to the view as an ordinary JSON request with `request.credential`
attached, and seals whatever comes back — errors raised by views included. Errors found
before the request is authenticated are plain problem+json with a short code; the
reason goes to the log only. Every response carries X-Server-Time.
"""

from __future__ import annotations

import logging
import time
import uuid

from django.conf import settings
from django.http import JsonResponse

from credential.audit import Kind, audit
from credential.grants import Credential
from gateway import channel, envelope
from gateway.problems import Problem, problem_response

logger = logging.getLogger("platform.gateway")

API_PREFIX = "/api/v1/"
PUBLIC_PATHS = frozenset({"/api/v1/credential/public-key"})
LOGIN_PATH = "/api/v1/credential/login"
AUDITED = {"decrypt_failed": Kind.DECRYPT_FAILED, "replayed_nonce": Kind.REPLAY}


def _stamp(response):
    response["X-Server-Time"] = str(int(time.time() * 1000))
    return response


class EnvelopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.skew_ms = settings.PLATFORM_CLOCK_SKEW_SECONDS * 1000
        self.max_body = settings.PLATFORM_MAX_BODY_BYTES

    def __call__(self, request):
        path = request.path_info
        if not path.startswith(API_PREFIX) or path in PUBLIC_PATHS:
            return _stamp(self.get_response(request))
        try:
            self._check_size(request)
            opened = channel.open_request(request, login=path == LOGIN_PATH, skew_ms=self.skew_ms)
        except (Problem, envelope.EnvelopeError) as exc:
            return _stamp(self._refuse(request, exc))
        request.envelope = opened
        request.credential = (
            Credential(user=opened.session.user, session=opened.session) if opened.session else None
        )
        try:
            channel.hand_to_view(request, opened)
        except channel.BadPayload as exc:
            response = JsonResponse({"code": "invalid_payload", "detail": str(exc)}, status=400)
        else:
            response = channel.as_json_error(self.get_response(request))
        return _stamp(channel.seal(response, opened))

    def process_exception(self, request, exception):
        """A service's unhandled exception: logged with an id; the client gets the id only."""
        if getattr(request, "envelope", None) is None:
            return None
        error_id = uuid.uuid4().hex[:16]
        logger.error(
            "unhandled exception in a service",
            exc_info=exception,
            extra={"error_id": error_id, "path": request.path_info},
        )
        response = JsonResponse({"code": "server_error", "error_id": error_id}, status=500)
        response["X-Error-Id"] = error_id
        return response

    def _check_size(self, request) -> None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise Problem(400, "malformed_request", log="Content-Length is not a number") from None
        if length > self.max_body:
            raise Problem(413, "body_too_large", log=f"body of {length} bytes")

    def _refuse(self, request, exc):
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

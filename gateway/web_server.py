"""What a node behind its own web server (nginx) needs from the first middleware.

gunicorn listens on a Unix socket that only the node's nginx reaches, so REMOTE_ADDR
says nothing about the client (gunicorn leaves it empty for a Unix peer); nginx sets
X-Real-IP to the address it saw (the real peer, or the one the load balancer's PROXY
header gave). With PLATFORM_BEHIND_WEB_SERVER on, this middleware copies it into
REMOTE_ADDR for sessions, audit, lockout and rate limits; a request on the socket
without a valid one did not come through nginx and is refused. A TCP peer (a direct
bind next to the socket, as a benchmark may add) keeps its own address: the header is
believed on the socket only. Off (the trial node, tests), the header is ignored.

It also reads whatever the app left unread of a request body once the answer is
ready (see `drain_body`), so that an early refusal reaches the client as it was made.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http.request import RawPostDataException, UnreadablePostError

from core.errors import ErrorCode
from gateway.problems import error_response

logger = logging.getLogger("platform.gateway")
HEADER = "HTTP_X_REAL_IP"
DRAIN_CHUNK = 256 * 1024


def real_address(value: str) -> str | None:
    """The address in `value` in its canonical text form, or None if it is not one."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def drain_body(request) -> None:
    """Read the rest of the request body, if the app answered without reading it.

    gunicorn closes the connection after every answer, and closing with request bytes
    still unread makes the kernel reset it. nginx, still passing a large body on (it
    has the whole body already), then sees a reset instead of the answer and reports a
    502, which it turns into 503 outcome_unknown: a refusal made before the body was
    read (a stale timestamp, an unknown session, a rate limit) would reach the client
    as "maybe applied". The body is local and already buffered by nginx, so this costs
    a copy (at most PLATFORM_MAX_BODY_BYTES, on a refusal), never a wait for a client.
    """
    # Errors mean the connection is gone, or nginx's limit differs: nothing to keep clean.
    with contextlib.suppress(OSError, UnreadablePostError, RequestDataTooBig):
        _read_to_the_end(request)


def _read_to_the_end(request) -> None:
    try:
        request.body  # noqa: B018 - free when the app read it already
    except RawPostDataException:
        while request.read(DRAIN_CHUNK):  # the app streamed it (an upload): read on
            pass


class BehindWebServerMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = settings.PLATFORM_BEHIND_WEB_SERVER

    def __call__(self, request):
        if not self.enabled:
            return self.get_response(request)
        if not request.META.get("REMOTE_ADDR"):
            address = real_address(request.META.get(HEADER, ""))
            if address is None:
                logger.warning("request without X-Real-IP", extra={"path": request.path_info})
                drain_body(request)
                return error_response(ErrorCode.MALFORMED_REQUEST)
            request.META["REMOTE_ADDR"] = address
        response = self.get_response(request)
        drain_body(request)
        return response

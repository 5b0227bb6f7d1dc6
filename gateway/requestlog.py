"""One JSON line per request, and the per-request metrics.

Fields: request id (a sane incoming X-Request-Id is kept, else one is made; returned
either way, and set for the request's span in `gateway/requestid.py` so that the node's
log filter stamps it, with the node's name, on every line written meanwhile), service,
user id, a short hash of the session, method, path (never the query), status, bytes in
and out, total and gateway-only latency, outcome code. Never a body, password, key or
session id.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from gateway import metrics
from gateway.requestid import REQUEST_ID

logger = logging.getLogger("platform.request")
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

BALANCER_CHECKS = frozenset({"/health/", "/health/last-resort/"})


def _length(value) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


def _request_id(request) -> str:
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    return incoming if SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        request.request_id = _request_id(request)
        token = REQUEST_ID.set(request.request_id)
        try:
            response = self.get_response(request)
            total = time.perf_counter() - start
            response["X-Request-Id"] = request.request_id
            self._record(request, response, total)
        finally:
            REQUEST_ID.reset(token)
        return response

    def _record(self, request, response, total: float) -> None:
        route = getattr(request, "route", None)
        service = route.code if route else ""
        credential = getattr(request, "credential", None)
        service_seconds = getattr(request, "service_seconds", 0.0)
        fields = {
            "service": service,
            "user_id": credential.user.pk if credential else None,
            "session": credential.session.short_ref if credential else "",
            "method": request.method,
            "path": request.path_info[:300],
            "status": response.status_code,
            "bytes_in": _length(request.META.get("CONTENT_LENGTH")),
            "bytes_out": 0 if response.streaming else len(response.content),
            "total_ms": round(total * 1000, 3),
            "gateway_ms": round((total - service_seconds) * 1000, 3),
            "outcome": getattr(request, "outcome", "ok" if response.status_code < 400 else "error"),
        }
        # The balancer asks both of these twice a second: a passing answer is not news.
        quiet = request.path_info in BALANCER_CHECKS and response.status_code == 200
        logger.log(logging.DEBUG if quiet else logging.INFO, "request", extra=fields)
        if route is not None:
            metrics.REQUESTS.labels(service, str(response.status_code)).inc()
            metrics.LATENCY.labels(service).observe(total)
            metrics.GATEWAY_LATENCY.labels(service).observe(max(0.0, total - service_seconds))

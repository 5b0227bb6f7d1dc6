"""The client's address behind the node's own web server, for everything that records it.

gunicorn listens on a Unix socket that only the node's nginx reaches, so REMOTE_ADDR
says nothing about the client (gunicorn leaves it empty for a Unix peer); nginx sets
X-Real-IP to the address it saw (the real peer, or the one the load balancer's PROXY
header gave). With PLATFORM_BEHIND_WEB_SERVER on, this first middleware copies it into
REMOTE_ADDR for sessions, audit, lockout and rate limits; a request on the socket
without a valid one did not come through nginx and is refused. A TCP peer (a direct
bind next to the socket, as a benchmark may add) keeps its own address: the header is
believed on the socket only. Off (the trial node, tests), the header is ignored.
"""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings

from gateway.problems import problem_response

logger = logging.getLogger("platform.gateway")
HEADER = "HTTP_X_REAL_IP"


def real_address(value: str) -> str | None:
    """The address in `value` in its canonical text form, or None if it is not one."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


class ClientAddressMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = settings.PLATFORM_BEHIND_WEB_SERVER

    def __call__(self, request):
        if self.enabled and not request.META.get("REMOTE_ADDR"):
            address = real_address(request.META.get(HEADER, ""))
            if address is None:
                logger.warning("request without X-Real-IP", extra={"path": request.path_info})
                return problem_response(400, "malformed_request")
            request.META["REMOTE_ADDR"] = address
        return self.get_response(request)

"""Permission helpers over `request.credential`; every service decides for itself.

The gateway has already refused callers with no grant at all for the service. Here a
service checks the action (`read`, `write`, `admin`) and, object by object, ownership.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from services.base.exceptions import Forbidden


def can(request, service: str, action: str) -> bool:
    credential = getattr(request, "credential", None)
    return credential is not None and credential.can(service, action)


def require(request, service: str, action: str) -> None:
    if not can(request, service, action):
        raise Forbidden("missing_grant", f"This needs the '{action}' grant on {service}.")


class ServiceGrant(BasePermission):
    """`read` for safe methods, `write` for the rest, on the view's `service_code`."""

    def has_permission(self, request, view) -> bool:
        action = "read" if request.method in SAFE_METHODS else "write"
        require(request, view.service_code, action)
        return True

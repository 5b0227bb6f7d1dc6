"""Permission helpers over `request.credential`; every service decides for itself.

The gateway has already refused callers with no grant at all for the service. Here a
service checks the action (`read`, `write`, `admin`) and, object by object, ownership.
One style across the services: a service's `permissions.py` holds its rules as
`may_<action>(request, obj) -> bool` predicates and `require_<action>(request, obj)`
checks that raise `ServiceError` with the service's own code; views call the checks.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.drf import ServiceError
from core.errors import ErrorCode


def can(request, service: str, action: str) -> bool:
    credential = getattr(request, "credential", None)
    return credential is not None and credential.can(service, action)


def require(request, service: str, action: str) -> None:
    if not can(request, service, action):
        detail = f"This needs the '{action}' grant on {service}."
        raise ServiceError(ErrorCode.MISSING_GRANT, detail)


def refuse_unless(allowed: bool, code, detail: str | None = None) -> None:
    """Raise the service's refusal `code` unless `allowed`."""
    if not allowed:
        raise ServiceError(code, detail)


class ServiceGrant(BasePermission):
    """`read` for safe methods, `write` for the rest, on the view's service."""

    def has_permission(self, request, view) -> bool:
        action = "read" if request.method in SAFE_METHODS else "write"
        require(request, view.service_code, action)
        return True

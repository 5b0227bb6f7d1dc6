"""API errors shared by the services; the project's DRF handler gives them one shape."""

from __future__ import annotations

from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied


class VersionConflict(APIException):
    """The client edited an old version: 409 with the current object."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object was changed by someone else; here is the current version."
    default_code = "version_conflict"

    def __init__(self, current: dict):
        super().__init__(self.default_detail)
        self.platform_code = self.default_code
        self.extra = {"current": current}  # kept as data, not turned into error strings


class RuleViolation(APIException):
    """A domain rule refuses the change (e.g. an overlapping booking): 409 with a code."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "rule_violation"

    def __init__(self, code: str, detail: str):
        super().__init__({"detail": detail})
        self.platform_code = code


class Forbidden(PermissionDenied):
    """The service's own permission decision: 403 with a specific code."""

    def __init__(self, code: str = "permission_denied", detail: str = "Not allowed."):
        super().__init__({"detail": detail})
        self.platform_code = code

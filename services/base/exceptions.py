"""Refusals a service raises; the shared DRF handler (core.drf) gives them one body.

A service declares its own codes, with their status and meaning, as a `CodeEnum` in its
`errors.py`, and raises `ServiceError(code)` (optionally with a more specific detail).
A stale version is `core.activeactive.VersionConflict`, raised by the write helpers.
"""

from core.activeactive import VersionConflict
from core.drf import ServiceError
from core.errors import CodeEnum

__all__ = ["CodeEnum", "ServiceError", "VersionConflict"]

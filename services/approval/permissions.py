"""Who may see which document; who may act is decided under the lock in services.py."""

from __future__ import annotations

from services.base.permissions import can

CODE = "approval"


def is_admin(request) -> bool:
    return can(request, CODE, "admin")

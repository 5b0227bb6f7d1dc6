"""Asset decisions: `write` lends and takes back; `admin` registers, edits and retires."""

from __future__ import annotations

from services.base.permissions import can

CODE = "asset"


def is_admin(request) -> bool:
    return can(request, CODE, "admin")

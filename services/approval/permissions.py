"""Who may see which document. Who may act is decided in services.py, under the document's
row lock: whose turn it is depends on the locked row, so a check made here, before the
lock, could be stale by the time of the write."""

from __future__ import annotations

from services.approval.apps import ApprovalConfig
from services.base.permissions import can

CODE = ApprovalConfig.code


def is_admin(request) -> bool:
    return can(request, CODE, "admin")

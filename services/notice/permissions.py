"""Who may see and change which notice — the service's own decision, object by object."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from services.base.permissions import can, refuse_unless, require
from services.notice.apps import NoticeConfig
from services.notice.errors import NoticeCode

CODE = NoticeConfig.code


def is_admin(request) -> bool:
    return can(request, CODE, "admin")


def may_edit(request, notice) -> bool:
    return is_admin(request) or notice.author_id == request.user.pk


def require_edit(request, notice) -> None:
    refuse_unless(may_edit(request, notice), NoticeCode.NOT_NOTICE_AUTHOR)


class ReadGrant(BasePermission):
    """Recording that one has read a notice is part of reading: `read` suffices."""

    def has_permission(self, request, view) -> bool:
        require(request, CODE, "read")
        return True

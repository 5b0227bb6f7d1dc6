"""Who may see and change which file — the service's own decision, object by object.

Seeing a file (its metadata, versions, content and shares) is decided by the selectors:
the owner, the users and groups it is shared with, and `admin`. Changing it is here.
"""

from __future__ import annotations

from services.base.permissions import can, refuse_unless
from services.document.apps import DocumentConfig
from services.document.errors import DocumentCode

CODE = DocumentConfig.code


def is_admin(request) -> bool:
    return can(request, CODE, "admin")


def may_manage(request, file) -> bool:
    """Edit metadata, upload a version, share, unshare, delete: the owner or an admin."""
    return is_admin(request) or file.owner_id == request.user.pk


def require_manage(request, file, what: str) -> None:
    """`what` completes the refusal: "Only the owner or an admin <what>."."""
    refuse_unless(
        may_manage(request, file),
        DocumentCode.NOT_FILE_OWNER,
        f"Only the owner or an admin {what}.",
    )

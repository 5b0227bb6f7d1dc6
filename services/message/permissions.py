"""Who may see and change which message — the service's own decision, object by object.

One sees only messages one sent or received: the selectors read through the caller's
own mailbox rows, so nobody (not even `admin`) reaches anyone else's messages.
"""

from __future__ import annotations

from services.base.permissions import refuse_unless
from services.message.apps import MessageConfig
from services.message.errors import MessageCode

CODE = MessageConfig.code


def may_mark_read(request, delivery) -> bool:
    return delivery.is_recipient and delivery.person_id == request.user.pk


def require_mark_read(request, delivery) -> None:
    refuse_unless(may_mark_read(request, delivery), MessageCode.NOT_RECIPIENT)

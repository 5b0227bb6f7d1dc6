"""Who may see and change which message — the service's own decision, object by object.

One sees only messages one sent or received: the selectors read through the caller's
own mailbox rows, so nobody (not even `admin`) reaches anyone else's messages.
"""

from __future__ import annotations

CODE = "message"


def may_mark_read(request, delivery) -> bool:
    return delivery.is_recipient and delivery.person_id == request.user.pk

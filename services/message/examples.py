"""The message service in the shared contract suite and the cluster drills
(services.base.examples).

The representative object is a note to oneself: its versioned change, marking it read,
is for a recipient only, and the writer's own mailbox row is the one created. Nobody
else (`colleague` included) reaches it.
"""

from __future__ import annotations

from services.base.examples import Change, Contract, ok

CONTRACT = Contract(
    model="Delivery",
    row=lambda obj: {"message_id": obj["id"], "person__username": "writer"},
    path="messages/",
    create=lambda people: {
        "recipients": [people["writer"]],
        "subject": "Reminder",
        "body": "Send the quarterly report on Friday.",
    },
    change=Change(body={}, method="POST", suffix="read/"),
    others="hidden",
)


def exercise(api, admin, *, own_id: int, other_id: int, tag: str) -> None:
    """Send, then delete for oneself."""
    base = "/api/v1/message"
    sent = {"recipients": [other_id], "subject": f"Hi {tag}", "body": "b"}
    m = ok(api.post(f"{base}/messages/", sent))
    ok(api.delete(f"{base}/messages/{m['id']}/", {"version": m["version"]}))

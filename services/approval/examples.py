"""The approval service in the shared contract suite and the cluster drills
(services.base.examples)."""

from __future__ import annotations

from services.base.examples import Change, Contract, ok

# The writer drafts, the boss approves first; the reader's step keeps the document
# pending after that approval. The colleague is not on the line, so never sees it.
CONTRACT = Contract(
    model="Document",
    path="documents/",
    create=lambda people: {
        "title": "Conference travel",
        "body": "Two days in Berlin.",
        "approvers": [people["boss"], people["reader"]],
    },
    change=Change(body={"comment": "Within budget."}, method="POST", suffix="approve/", by="boss"),
    others="hidden",
)


def exercise(api, admin, *, own_id: int, other_id: int, tag: str) -> None:
    """Submit, withdraw."""
    base = "/api/v1/approval"
    doc = ok(
        api.post(
            f"{base}/documents/", {"title": f"Trip {tag}", "body": "b", "approvers": [other_id]}
        )
    )
    ok(api.post(f"{base}/documents/{doc['id']}/withdraw/", {"version": doc["version"]}))

"""The asset service in the shared contract suite and the cluster drills
(services.base.examples)."""

from __future__ import annotations

import itertools

from services.base.examples import Change, Contract, ok

# A tag is unique among assets in service, so each created asset gets its own.
_serials = itertools.count(1)

# Only an admin registers and edits assets; everyone with `read` sees the register, so
# the colleague sees the asset and is refused the edit.
CONTRACT = Contract(
    model="Asset",
    path="assets/",
    create=lambda people: {
        "tag": f"LAP-{next(_serials):04}",
        "name": "ThinkPad X1",
        "category": "laptop",
    },
    change=Change(body={"name": "ThinkPad X1 Carbon"}),
    creator="boss",
    others="admin-only",
)


def exercise(api, admin, *, own_id: int, other_id: int, tag: str) -> None:
    """Register (admin), check out, return."""
    base = "/api/v1/asset"
    asset = ok(
        admin.post(f"{base}/assets/", {"tag": f"P-{tag}", "name": "Phone", "category": "phone"})
    )
    ok(api.post(f"{base}/assets/{asset['id']}/checkout/", {"user": own_id}))
    ok(api.post(f"{base}/assets/{asset['id']}/return/"))

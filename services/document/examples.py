"""The document service in the shared contract suite and the cluster drills
(services.base.examples)."""

from __future__ import annotations

import base64

from services.base.examples import Change, Contract, ok


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


CONTRACT = Contract(
    model="File",
    path="files/",
    create=lambda people: {"name": "report.txt", "content": b64("first draft")},
    change=Change(body={"name": "report-v2.txt"}),
    others="hidden",
)


def exercise(api, admin, *, own_id: int, other_id: int, tag: str) -> None:
    """Create with content, upload a second version, rename, share."""
    base = "/api/v1/document"
    f = ok(api.post(f"{base}/files/", {"name": f"{tag}.txt", "content": b64(f"draft {tag}")}))
    ok(api.post(f"{base}/files/{f['id']}/versions/", {"content": b64(f"second draft {tag}")}))
    ok(api.patch(f"{base}/files/{f['id']}/", {"name": f"{tag}-v2.txt", "version": 1}))
    ok(api.post(f"{base}/files/{f['id']}/shares/", {"user": other_id}))

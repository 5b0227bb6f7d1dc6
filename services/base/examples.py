"""What every service declares about itself for the shared checks (its `examples.py`).

Each business service has an `examples.py` with:

- `CONTRACT`, a `Contract`: one of its resources, how to create one, and one versioned
  change of it. The shared contract suite (tests/fast/services/test_contract.py) runs
  the platform's promises over every service in the registry: no grant → 403
  `no_grant`; read-only → 403 and nothing stored; a stale version → 409 with the
  current object; no version → 400 naming `version`; another person's object hidden or
  refused; lists paginate with `count/next/previous/results`.
- `exercise(api, admin, *, own_id, other_id, tag)`: creates, changes and deletes
  something through the API, used by the cluster drills (a partition through every
  service). `api` is a writer's client, `admin` a client holding every grant.

Personas are named as in the tests: `boss` (every grant), `writer` and `colleague`
(read and write), `reader` (read only), `outsider` (no grant).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# persona name → user id
People = dict[str, int]


@dataclass(frozen=True)
class Change:
    """A versioned change of a created object: `method` on its path plus `suffix`."""

    body: dict
    method: str = "PATCH"
    suffix: str = ""  # e.g. "transition/" for POST /tasks/<id>/transition/
    by: str = "creator"  # persona making it: "creator", or a persona name


@dataclass(frozen=True)
class Contract:
    """One resource of a service, for the shared contract suite."""

    path: str  # the collection under /api/v1/<code>/, e.g. "tasks/"
    create: Callable[[People], dict]  # the POST body, given the personas' ids
    change: Change  # a change of it that takes the `version` the caller read
    # The model (by name, in the service's app) whose row carries that version, and how
    # to find the row from the created representation.
    model: str
    row: Callable[[dict], dict] = lambda obj: {"pk": obj["id"]}
    creator: str = "writer"  # who may create one
    # What another ordinary member of staff (`colleague`) meets on the object: "hidden"
    # (404, and absent from their list), "refused" (they see it; an object rule refuses
    # the change, 403 or 404), or "admin-only" (they see it; changing it takes the
    # service's admin grant: 403 `missing_grant`).
    others: str = "hidden"
    # Query parameters that narrow the list to the caller's view, if the list needs some.
    list_params: dict = field(default_factory=dict)
    # The path of one object, from its created representation.
    detail: Callable[[dict], str] = lambda obj: f"{obj['id']}/"


def ok(response, *statuses: int):
    """The data of an answer that must have succeeded (for `exercise`)."""
    assert response.status in (statuses or (200, 201, 204)), (response.status, response.data)
    return response.data

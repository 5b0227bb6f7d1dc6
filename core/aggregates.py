"""The members list an aggregate's parent carries (core.registry.Aggregate).

A link row points at one target (a group, a user); its key is "field:id", e.g.
"group:3". The parent's members list is the sorted, distinct keys of its live links, and
every write that changes the links writes the list in the same transaction, as the
parent's next version. Replication can then leave the two databases with links of two
different versions (each side inserted its own during a partition), but never with a
parent that does not say which links it meant: reconcile keeps the winning parent's
list and retires or revives links to match it (replication/reconcile.py).
"""

from __future__ import annotations

from collections.abc import Iterable


def member_key(field: str, target_id) -> str:
    return f"{field}:{target_id}"


def members(field: str, target_ids: Iterable) -> list[str]:
    """The members list of links to `target_ids` through `field` (sorted, distinct)."""
    return sorted({member_key(field, pk) for pk in target_ids})


def link_key(values: dict, fields: tuple[str, ...]) -> str | None:
    """The key of one link from its column values (`<field>_id`), or None if it names
    no target (a link of several possible kinds names exactly one)."""
    for field in fields:
        target = values.get(f"{field}_id")
        if target is not None:
            return member_key(field, target)
    return None

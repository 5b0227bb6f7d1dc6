"""What an aggregate's link rows become when its parent wins: children follow their parent.

The winning parent's members list says which targets the object has (core/aggregates.py).
Both databases may hold links of both versions (each side inserted and soft-deleted its
own during a partition, and replication then carried them across), so the target is
computed over the union of both sides' link rows, each taken as the winner has it (the
other side's copy when only it has the row):

- per member, exactly one live link: the live one with the lowest id, or, if none is
  live, the lowest id revived;
- every other link soft-deleted, at the winning parent's `updated_at`.

A row that changes gets the next version (above both sides') and the parent's stamp.
"""

from __future__ import annotations

from core.aggregates import link_key
from replication.aggregates import Shape, Side, members_of


def target_links(shape: Shape, sides: dict[str, Side], *, winner: str) -> dict | str:
    """The links by primary key, or why no target can be made (a member without a row)."""
    other = next(alias for alias in sides if alias != winner)
    base = {**sides[other].links, **sides[winner].links}
    parent = sides[winner].parent
    wanted = members_of(shape, parent)
    by_key: dict[str, list[dict]] = {}
    for pk in sorted(base):
        key = link_key(base[pk], shape.member_fields)
        by_key.setdefault(key, []).append(base[pk])
    missing = sorted(wanted - set(by_key))
    if missing:
        return f"members {missing} of the winning {shape.parent.name} have no link row"
    versions = {pk: _highest_version(sides, pk) for pk in base}
    target = {}
    for key, rows in by_key.items():
        keep = _keeper(rows, pk_column=shape.links.pk) if key in wanted else None
        for row in rows:
            pk = row[shape.links.pk]
            target[pk] = _as(row, live=pk == keep, parent=parent, version=versions[pk] + 1)
    return target


def _highest_version(sides: dict[str, Side], pk) -> int:
    return max(side.links[pk]["version"] for side in sides.values() if pk in side.links)


def _keeper(rows: list[dict], *, pk_column: str):
    live = [row for row in rows if row["deleted_at"] is None]
    return (live or rows)[0][pk_column]


def _as(row: dict, *, live: bool, parent: dict, version: int) -> dict:
    if (row["deleted_at"] is None) == live:
        return row
    return {
        **row,
        "deleted_at": None if live else parent["updated_at"],
        "updated_at": parent["updated_at"],
        "origin_node": parent["origin_node"],
        "version": version,
    }

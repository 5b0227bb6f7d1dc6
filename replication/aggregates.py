"""Aggregates on the two databases: which object a differing row belongs to, what each
side holds of it, whether its links agree with its parent, and what it must become.

An aggregate (core.registry.Aggregate) is a parent row and its link rows; any other
last-writer-wins row is an object of its own. A row the checksum finds different is
settled as part of its object (a `Unit`): the whole object is taken from the side whose
parent has the newest (updated_at, node) stamp, and its links are brought in line with
that parent's members list (core/aggregates.py): one live link per member, every other
link soft-deleted. Rows are plain dicts by column, read with raw SQL on each alias.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db import connections

from core import registry
from core.aggregates import link_key
from replication.checksum import Table, platform_tables, quoted, select_sql


@dataclass(frozen=True)
class Shape:
    """An aggregate as tables and columns."""

    aggregate: registry.Aggregate
    parent: Table
    links: Table
    parent_column: str  # the links' foreign key column to the parent
    member_fields: tuple[str, ...]


@dataclass(frozen=True)
class Unit:
    """One object to settle: a parent row (and, for an aggregate, its links)."""

    table: Table
    pk: object
    shape: Shape | None = None

    @property
    def key(self) -> tuple[str, object]:
        return (self.table.name, self.pk)


@dataclass
class Side:
    """What one database holds of a unit: the parent row and the links by primary key."""

    parent: dict | None
    links: dict = field(default_factory=dict)


def _label(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def shapes(tables: list[Table] | None = None) -> dict[str, Shape]:
    """Every declared aggregate, by the names of its parent and its link tables."""
    by_label = {_label(t.model): t for t in tables or platform_tables()}
    found = {}
    for aggregate in registry.aggregates():
        parent, links = by_label[aggregate.parent], by_label[aggregate.links]
        column = links.model._meta.get_field(aggregate.parent_field).column
        shape = Shape(aggregate, parent, links, column, aggregate.member_fields)
        found[parent.name] = found[links.name] = shape
    return found


def _rows(alias: str, table: Table, where: str, value, *, lock: bool) -> list[dict]:
    columns = ", ".join(quoted(c) for c in table.columns)
    rest = f" WHERE {quoted(where)} = %s ORDER BY {quoted(table.pk)}{' FOR UPDATE' if lock else ''}"
    with connections[alias].cursor() as cursor:
        cursor.execute(select_sql(table, columns, rest), [value])
        return [dict(zip(table.columns, row, strict=True)) for row in cursor.fetchall()]


def unit_of(table: Table, pk, known: dict[str, Shape], *, local: str, peer: str) -> Unit:
    """The object a differing row of `table` belongs to."""
    shape = known.get(table.name)
    if shape is None:
        return Unit(table, pk)
    if table.name == shape.parent.name:
        return Unit(table, pk, shape)
    for alias in (local, peer):  # a link never changes parent: either side's row says it
        rows = _rows(alias, table, table.pk, pk, lock=False)
        if rows:
            return Unit(shape.parent, rows[0][shape.parent_column], shape)
    return Unit(table, pk)  # gone from both sides since the checksum


def snapshot(unit: Unit, alias: str, *, lock: bool = False) -> Side:
    """The unit as the database behind `alias` holds it (`lock`: FOR UPDATE, in a
    transaction, so nothing else can change it until that transaction ends)."""
    rows = _rows(alias, unit.table, unit.table.pk, unit.pk, lock=lock)
    side = Side(parent=rows[0] if rows else None)
    if unit.shape is not None:
        links = _rows(alias, unit.shape.links, unit.shape.parent_column, unit.pk, lock=lock)
        side.links = {row[unit.shape.links.pk]: row for row in links}
    return side


def members_of(shape: Shape, parent: dict) -> set[str]:
    value = parent[shape.aggregate.members_field]
    return set(json.loads(value) if isinstance(value, str | bytes) else value or ())


def live_keys(shape: Shape, links: dict) -> list[str]:
    """The member keys of the live links (a key twice: a duplicate link)."""
    return sorted(
        key
        for row in links.values()
        if row["deleted_at"] is None and (key := link_key(row, shape.member_fields)) is not None
    )


def disagreement(shape: Shape, side: Side) -> str | None:
    """Why the links do not match the parent's members list, or None when they do."""
    if side.parent is None:
        return None
    live, wanted = live_keys(shape, side.links), sorted(members_of(shape, side.parent))
    if live == wanted:
        return None
    return f"live links {live}, the {shape.parent.name} row says {wanted}"


def inconsistent_units(shape: Shape, alias: str) -> dict[object, str]:
    """Parents on `alias` whose live links disagree with their members list (a full scan
    of the aggregate's tables, on the server: one query per table)."""
    members_column = shape.parent.model._meta.get_field(shape.aggregate.members_field).column
    wanted = {}
    with connections[alias].cursor() as cursor:
        cursor.execute(
            select_sql(shape.parent, f"{quoted(shape.parent.pk)}, {quoted(members_column)}")
        )
        for pk, value in cursor.fetchall():
            wanted[pk] = sorted(json.loads(value) if value else [])
        targets = [f"{f}_id" for f in shape.member_fields]
        columns = ", ".join(quoted(c) for c in [shape.parent_column, *targets])
        cursor.execute(select_sql(shape.links, columns, " WHERE `deleted_at` IS NULL"))
        live: dict[object, list[str]] = {}
        for parent, *values in cursor.fetchall():
            key = link_key(dict(zip(targets, values, strict=True)), shape.member_fields)
            live.setdefault(parent, []).append(key)
    found = {}
    for pk in set(wanted) | set(live):
        have, should = sorted(live.get(pk, [])), wanted.get(pk, [])
        if have != should:
            found[pk] = f"live links {have}, the {shape.parent.name} row says {should}"
    return found


def all_inconsistent(alias: str, tables: list[Table] | None = None) -> list[tuple[Unit, str]]:
    """Every aggregate on `alias` whose links disagree with its parent."""
    seen = {id(shape): shape for shape in shapes(tables).values()}
    return [
        (Unit(shape.parent, pk, shape), why)
        for shape in seen.values()
        for pk, why in sorted(inconsistent_units(shape, alias).items())
    ]

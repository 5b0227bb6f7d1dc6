"""Settle what the checksum found different, one object at a time (rules 4, 9 and 11).

Each differing row is settled as part of its object (replication/aggregates.py): a
last-writer-wins row alone, or an aggregate — a parent and its link rows. The object is
taken whole from the side whose parent has the newest `updated_at`; on an equal
`updated_at` the LOWER `origin_node` wins (a fixed rule, so both nodes would choose
alike). An aggregate's links then follow the winning parent's members list: one live link
per member, every other link soft-deleted. Rows of append-only and home-node tables are
only reported: they need an operator. Nothing is ever deleted.

Never an older write because of the clocks: stamps follow each node's database clock
(core/clock.py), and the two databases' clocks are measured against each other when the
plan is made (replication/clock.py). Two parents whose stamps are closer than that
measured skew (plus its uncertainty), but not equal, cannot be ordered by time: they are
referred to an operator instead of guessed.

Writes are conditional and leave no echo. For each object, in one transaction on each
database: its rows are locked on both; each database must have applied everything the
other has logged (GTID wait — otherwise a change still in flight would land on top of the
settlement later); both sides must still be exactly what the plan compared; then the
target rows are written where they differ, with the binary log off. A settling write
therefore never replicates: it cannot reach the other database late, over a newer edit
(that needs BINLOG ADMIN, or SUPER, for the platform's database user). Afterwards
`verify` reads every settled object on both databases again.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from django.db import DatabaseError, connections, transaction

from core.registry import home_service_of
from replication import clock, gtid
from replication.aggregates import (
    Side,
    Unit,
    disagreement,
    shapes,
    snapshot,
    unit_of,
)
from replication.checksum import CompareResult, Table, quoted
from replication.links import target_links

STAMP_FIELDS = {"updated_at", "version", "origin_node"}
WRITTEN, MOVED = "written", "changed since the plan"
CATCH_UP_SECONDS = 2.0


@dataclass
class Settlement:
    unit: Unit
    winner: str  # the alias whose parent wins
    loser: str
    seen: dict[str, Side]  # each side as the plan read it
    target: Side  # what both sides become

    @property
    def row(self) -> dict:
        return self.target.parent

    def writes(self, alias: str) -> int:
        """How many rows of the object differ on `alias` from the target."""
        seen = self.seen[alias]
        changed = int(seen.parent != self.target.parent)
        return changed + sum(seen.links.get(pk) != row for pk, row in self.target.links.items())


@dataclass
class Referral:
    table: str
    pk: object
    where: str
    reason: str


@dataclass
class Plan:
    settlements: list[Settlement] = field(default_factory=list)
    needs_operator: list[Referral] = field(default_factory=list)
    skew: clock.Reading | None = None  # the databases' clocks, peer minus this node's


def settles_automatically(table: Table) -> str | None:
    """None if the table is last-writer-wins, else why an operator must decide."""
    names = {f.name for f in table.model._meta.concrete_fields}
    if home_service_of(table.model) is not None:
        return "home-node table"
    if not names >= STAMP_FIELDS:
        return "no updated_at/version/origin_node (append-only or unversioned)"
    return None


def stamp(row: dict) -> tuple:
    """Orders rows by who wins: newest updated_at, then the lower origin_node."""
    return (row["updated_at"], -row["origin_node"])


def skew_bound(reading: clock.Reading | None) -> float:
    return 0.0 if reading is None else abs(reading.skew) + reading.uncertainty


def choose(unit: Unit, sides: dict[str, Side], bound: float) -> str | Referral | None:
    """The alias whose parent wins, a Referral, or None (nothing left to settle)."""
    (local, mine), (peer, theirs) = ((a, s.parent) for a, s in sides.items())
    if mine is None or theirs is None:
        return None if mine is theirs else (local if theirs is None else peer)
    if mine == theirs:
        return local  # the parents agree: only the links need settling
    if stamp(mine) == stamp(theirs):
        reason = "same updated_at and origin_node on both sides, different values"
        return Referral(unit.table.name, unit.pk, "different", reason)
    gap = abs((mine["updated_at"] - theirs["updated_at"]).total_seconds())
    if 0 < gap <= bound:
        reason = (
            f"written {gap * 1000:.3f} ms apart, within the measured clock skew between the "
            f"databases ({bound * 1000:.3f} ms): which came last cannot be told"
        )
        return Referral(unit.table.name, unit.pk, "different", reason)
    return local if stamp(mine) > stamp(theirs) else peer


def settlement_of(unit: Unit, *, local: str, peer: str, bound: float):
    """A Settlement, a Referral, or None when both sides already agree."""
    sides = {local: snapshot(unit, local), peer: snapshot(unit, peer)}
    consistent = unit.shape is None or all(
        disagreement(unit.shape, s) is None for s in sides.values()
    )
    if sides[local] == sides[peer] and consistent:
        return None
    winner = choose(unit, sides, bound)
    if winner is None or isinstance(winner, Referral):
        return winner
    loser = peer if winner == local else local
    target = Side(parent=sides[winner].parent)
    if unit.shape is not None:
        links = target_links(unit.shape, sides, winner=winner)
        if isinstance(links, str):
            return Referral(unit.table.name, unit.pk, "different", links)
        target.links = links
    return Settlement(unit, winner, loser, sides, target)


def plan(result: CompareResult, *, local: str = "default", peer: str = "peer", extra=()) -> Plan:
    """What `apply` would do for every object with a differing row in `result` (and for
    the `extra` units, e.g. aggregates whose links disagree with their parent)."""
    made = Plan(skew=clock.database_skew(local, peer))
    known, units = shapes(), {}
    for table_result in result.tables:
        table = table_result.table
        reason = settles_automatically(table)
        for diff in table_result.rows:
            if reason is not None:
                made.needs_operator.append(Referral(table.name, diff.pk, diff.where, reason))
                continue
            unit = unit_of(table, diff.pk, known, local=local, peer=peer)
            units.setdefault(unit.key, unit)
    for unit in extra:
        units.setdefault(unit.key, unit)
    bound = skew_bound(made.skew)
    for unit in units.values():
        outcome = settlement_of(unit, local=local, peer=peer, bound=bound)
        if isinstance(outcome, Referral):
            made.needs_operator.append(outcome)
        elif outcome is not None:
            made.settlements.append(outcome)
    return made


def upsert_sql(table: Table) -> str:
    columns = ", ".join(quoted(c) for c in table.columns)
    values = ", ".join(["%s"] * len(table.columns))
    updates = ", ".join(
        f"{quoted(c)} = VALUES({quoted(c)})" for c in table.columns if c != table.pk
    )
    return (
        f"INSERT INTO {quoted(table.name)} ({columns}) VALUES ({values}) "  # noqa: S608
        f"ON DUPLICATE KEY UPDATE {updates}"
    )


@contextlib.contextmanager
def binlog_off(*aliases: str):
    """Settling writes stay on the database they are made on (see the module docstring).
    The server refuses to switch sql_log_bin inside a transaction: switch it around."""
    for alias in aliases:
        with connections[alias].cursor() as cursor:
            cursor.execute("SET SESSION sql_log_bin = 0")
    try:
        yield
    finally:
        for alias in aliases:
            with connections[alias].cursor() as cursor:
                cursor.execute("SET SESSION sql_log_bin = 1")


def _write(unit: Unit, alias: str, now: Side, target: Side) -> None:
    rows = [(unit.table, now.parent, target.parent)]
    if unit.shape is not None:
        rows += [(unit.shape.links, now.links.get(pk), row) for pk, row in target.links.items()]
    with connections[alias].cursor() as cursor:
        for table, current, wanted in rows:  # the parent first: the links refer to it
            if wanted is not None and current != wanted:
                cursor.execute(upsert_sql(table), [wanted[c] for c in table.columns])


def apply_settlement(settlement: Settlement, *, local: str, peer: str) -> str:
    """Write the target on both sides if nothing moved; WRITTEN, MOVED or why not."""
    unit = settlement.unit
    try:
        with transaction.atomic(using=local), transaction.atomic(using=peer):
            now = {alias: snapshot(unit, alias, lock=True) for alias in (local, peer)}
            behind = gtid.backlog(local, peer, timeout=CATCH_UP_SECONDS)
            if behind is not None:
                return f"not written: {behind} (replication in flight; run it again)"
            if now != settlement.seen:
                return MOVED
            for alias in (local, peer):
                _write(unit, alias, now[alias], settlement.target)
        return WRITTEN
    except DatabaseError as exc:
        # E.g. a copied row whose parent row is missing on that side too (foreign key).
        return f"failed: {exc}"


def apply(made: Plan, *, local: str = "default", peer: str = "peer") -> list[tuple]:
    """Carry out each settlement in plan order; (settlement, outcome) pairs."""
    with binlog_off(local, peer):
        return [(s, apply_settlement(s, local=local, peer=peer)) for s in made.settlements]


def verify(applied: list[tuple], *, local: str = "default", peer: str = "peer", wait=10.0):
    """After replication has caught up (up to `wait` s): each settled object read again on
    both databases; (settlement, what is still wrong) for each that does not agree."""
    written = [settlement for settlement, outcome in applied if outcome == WRITTEN]
    behind = gtid.backlog(local, peer, timeout=wait) if written else None
    unsettled = []
    for settlement in written:
        mine, theirs = snapshot(settlement.unit, local), snapshot(settlement.unit, peer)
        shape = settlement.unit.shape
        if mine != theirs:
            unsettled.append((settlement, behind or "the two databases still differ"))
        elif shape is not None and (why := disagreement(shape, mine)) is not None:
            unsettled.append((settlement, why))
    return unsettled

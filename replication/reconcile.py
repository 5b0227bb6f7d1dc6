"""Settle rows the checksum found different, for last-writer-wins tables only.

A table is settled automatically when its model carries `updated_at`, `version` and
`origin_node` and its writes are not home-node (core.registry.home_service_of).
For each differing row the newest `updated_at` wins; on equal `updated_at` the LOWER
`origin_node` wins — an arbitrary but fixed rule, so both nodes would choose alike.
Rows of other tables (append-only, home-node, unversioned) are only reported: they
need an operator. Nothing is ever deleted.

The winner's full row is written onto the loser's database in one statement, in a
transaction there:
- the row exists on both sides: `INSERT … ON DUPLICATE KEY UPDATE` of every column. It
  is logged as a row update and replicates back to the winner as a no-op (same values).
- the row exists on the winner only: the same statement inserts it, with the binary
  log off for that transaction. A logged insert would replicate back to the winner,
  which already holds the key, and stop its SQL thread with error 1062 (measured on
  MariaDB 10.11); the winner has the row already, so nothing needs to travel. This
  needs the BINLOG ADMIN (or SUPER) privilege for the platform's database user.
Each decision is re-read just before it is applied, and skipped if either side
changed since the plan was made (run the checksum again).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import DatabaseError, connections, transaction

from core.registry import home_service_of
from replication.checksum import CompareResult, Table, quoted, select_sql

STAMP_FIELDS = {"updated_at", "version", "origin_node"}
WRITTEN, MOVED = "written", "changed since the plan"


@dataclass
class Decision:
    table: Table
    pk: object
    winner: str  # alias holding the row that wins
    loser: str
    row: dict  # the winner's full row, by column
    loser_row: dict | None  # None: the loser lacks the row (a copy)

    @property
    def copy(self) -> bool:
        return self.loser_row is None


@dataclass
class Referral:
    table: str
    pk: object
    where: str
    reason: str


@dataclass
class Plan:
    decisions: list[Decision] = field(default_factory=list)
    needs_operator: list[Referral] = field(default_factory=list)


def settles_automatically(table: Table) -> str | None:
    """None if the table is last-writer-wins, else why an operator must decide."""
    names = {f.name for f in table.model._meta.concrete_fields}
    if home_service_of(table.model) is not None:
        return "home-node table"
    if not names >= STAMP_FIELDS:
        return "no updated_at/version/origin_node (append-only or unversioned)"
    return None


def read_row(alias: str, table: Table, pk) -> dict | None:
    sql = select_sql(
        table, ", ".join(quoted(c) for c in table.columns), f" WHERE {quoted(table.pk)} = %s"
    )
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    return None if row is None else dict(zip(table.columns, row, strict=True))


def stamp(row: dict) -> tuple:
    """Orders rows by who wins: newest updated_at, then the lower origin_node."""
    return (row["updated_at"], -row["origin_node"])


def decide(table: Table, pk, *, local: str, peer: str) -> Decision | Referral | None:
    mine, theirs = read_row(local, table, pk), read_row(peer, table, pk)
    if mine is None and theirs is None:
        return None  # gone from both sides since the checksum
    if mine is None or theirs is None:
        winner, row = (local, mine) if theirs is None else (peer, theirs)
        return Decision(table, pk, winner, peer if winner == local else local, row, None)
    if mine == theirs:
        return None  # settled by replication since the checksum
    if stamp(mine) == stamp(theirs):
        reason = "same updated_at and origin_node on both sides, different values"
        return Referral(table.name, pk, "different", reason)
    if stamp(mine) > stamp(theirs):
        return Decision(table, pk, local, peer, mine, theirs)
    return Decision(table, pk, peer, local, theirs, mine)


def plan(result: CompareResult, *, local: str = "default", peer: str = "peer") -> Plan:
    """What `apply` would do for every differing row of `result`."""
    made = Plan()
    for table_result in result.tables:
        table = table_result.table
        reason = settles_automatically(table)
        for diff in table_result.rows:
            if reason is not None:
                made.needs_operator.append(Referral(table.name, diff.pk, diff.where, reason))
                continue
            outcome = decide(table, diff.pk, local=local, peer=peer)
            if isinstance(outcome, Referral):
                made.needs_operator.append(outcome)
            elif outcome is not None:
                made.decisions.append(outcome)
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


def apply_decision(decision: Decision) -> str:
    """Write the winner's row onto the loser; WRITTEN, MOVED or why it failed."""
    if read_row(decision.winner, decision.table, decision.pk) != decision.row:
        return MOVED
    connection = connections[decision.loser]
    try:
        if not decision.copy:
            return _write_locked(decision)
        # The server refuses to switch sql_log_bin inside a transaction: switch it around one.
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION sql_log_bin = 0")
        try:
            return _write_locked(decision)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET SESSION sql_log_bin = 1")
    except DatabaseError as exc:
        # E.g. a copied row whose parent row is missing on the loser too (foreign key).
        return f"failed: {exc}"


def _write_locked(decision: Decision) -> str:
    table, pk = decision.table, decision.pk
    with transaction.atomic(using=decision.loser), connections[decision.loser].cursor() as cur:
        cur.execute(select_sql(table, "1", f" WHERE {quoted(table.pk)} = %s FOR UPDATE"), [pk])
        if read_row(decision.loser, table, pk) != decision.loser_row:
            return MOVED
        cur.execute(upsert_sql(table), [decision.row[c] for c in table.columns])
    return WRITTEN


def apply(made: Plan) -> list[tuple[Decision, str]]:
    """Carry out each decision in plan order; (decision, outcome) pairs."""
    return [(decision, apply_decision(decision)) for decision in made.decisions]

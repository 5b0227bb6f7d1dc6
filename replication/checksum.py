"""Compare the two nodes' databases table by table, chunk by chunk, then row by row.

Each table is cut into chunks of about CHUNK_ROWS rows by primary-key boundaries taken
from this node's database (`default`); the peer is checksummed over the very same key
ranges, the first and last ranges open-ended so rows that exist only on the peer fall
in some chunk too. A chunk's checksum is its row count and the BIT_XOR of one CRC32 per
row, computed by the servers themselves (no row leaves either server for an equal
chunk). A chunk that differs is checked again a few times, a moment apart, because a
change still on its way through replication differs for a millisecond and then agrees;
only a chunk that keeps differing is compared row by row.

Statements run in autocommit on purpose: every re-check must read a fresh snapshot.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connections

CHUNK_ROWS = 1000

# Columns left out of the comparison, per table, each for a reason.
EXCLUDED_COLUMNS: dict[str, dict[str, str]] = {
    "credential_session": {
        "last_seen_at": (
            "touched by whichever node serves the session; two touches within the "
            "replication lag can legitimately leave two values (credential/sessions.py)"
        ),
    },
}

ONLY_LOCAL, ONLY_PEER, DIFFERENT = "only_local", "only_peer", "different"


@dataclass(frozen=True)
class Table:
    name: str
    pk: str
    columns: tuple[str, ...]
    nullable: frozenset[str]
    binary: frozenset[str]
    excluded: frozenset[str]
    model: type

    @property
    def compared(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.excluded)


@dataclass
class Chunk:
    lo: object  # inclusive; None: no lower bound
    hi: object  # exclusive; None: no upper bound


@dataclass
class RowDiff:
    pk: object
    where: str  # ONLY_LOCAL, ONLY_PEER or DIFFERENT


@dataclass
class TableResult:
    table: Table
    chunks: int = 0
    differing: list[Chunk] = field(default_factory=list)  # differed on the first pass
    persistent: list[Chunk] = field(default_factory=list)  # still differed after rechecks
    rows: list[RowDiff] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return bool(self.rows)

    def as_dict(self) -> dict:
        return {
            "table": self.table.name,
            "chunks_compared": self.chunks,
            "chunks_differing": len(self.differing),
            "chunks_still_differing": len(self.persistent),
            "rows": [{"pk": _plain(r.pk), "where": r.where} for r in self.rows],
        }


@dataclass
class CompareResult:
    tables: list[TableResult]

    @property
    def differs(self) -> bool:
        return any(t.differs for t in self.tables)

    def as_dict(self) -> dict:
        return {"differs": self.differs, "tables": [t.as_dict() for t in self.tables]}


def _plain(value):
    return value if isinstance(value, int | str) or value is None else str(value)


def platform_tables() -> list[Table]:
    """Every managed, concrete table of the installed models, M2M tables included."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.db_table in tables:
            continue
        fields = meta.concrete_fields
        excluded = frozenset(EXCLUDED_COLUMNS.get(meta.db_table, {}))
        tables[meta.db_table] = Table(
            name=meta.db_table,
            pk=meta.pk.column,
            columns=tuple(f.column for f in fields),
            nullable=frozenset(f.column for f in fields if f.null),
            binary=frozenset(f.column for f in fields if f.get_internal_type() == "BinaryField"),
            excluded=excluded,
            model=model,
        )
    return [tables[name] for name in sorted(tables)]


def quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def select_sql(table: Table, what: str, rest: str = "") -> str:
    # Identifiers come from the models' metadata, quoted; values always go as parameters.
    return f"SELECT {what} FROM {quoted(table.name)}{rest}"  # noqa: S608


def row_crc_sql(table: Table) -> str:
    """One row's CRC32; the ISNULL flags tell NULL from '' (CONCAT_WS skips NULLs)."""
    parts = [f"HEX({quoted(c)})" if c in table.binary else quoted(c) for c in table.compared]
    parts += [f"ISNULL({quoted(c)})" for c in table.compared if c in table.nullable]
    return f"CRC32(CONCAT_WS('#', {', '.join(parts)}))"


def _where(table: Table, chunk: Chunk) -> tuple[str, list]:
    conditions, params = [], []
    if chunk.lo is not None:
        conditions.append(f"{quoted(table.pk)} >= %s")
        params.append(chunk.lo)
    if chunk.hi is not None:
        conditions.append(f"{quoted(table.pk)} < %s")
        params.append(chunk.hi)
    return (" WHERE " + " AND ".join(conditions) if conditions else ""), params


def _fetch(alias: str, sql: str, params=()) -> list[tuple]:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def chunks(table: Table, *, alias: str = "default", size: int = CHUNK_ROWS) -> list[Chunk]:
    """Key ranges of about `size` rows on `alias`, covering the whole key space."""
    pk, bounds = quoted(table.pk), []
    while True:
        where = f" WHERE {pk} >= %s" if bounds else ""
        sql = select_sql(table, pk, f"{where} ORDER BY {pk} LIMIT 1 OFFSET %s")
        rows = _fetch(alias, sql, [*bounds[-1:], size])
        if not rows:
            break
        bounds.append(rows[0][0])
    edges = [None, *bounds, None]
    return [Chunk(lo, hi) for lo, hi in itertools.pairwise(edges)]


def chunk_checksum(alias: str, table: Table, chunk: Chunk) -> tuple[int, int]:
    where, params = _where(table, chunk)
    crc = f"COALESCE(BIT_XOR(CAST({row_crc_sql(table)} AS UNSIGNED)), 0)"
    sql = select_sql(table, f"COUNT(*), {crc}", where)
    count, crc = _fetch(alias, sql, params)[0]
    return int(count), int(crc)


def row_checksums(alias: str, table: Table, chunk: Chunk) -> dict:
    where, params = _where(table, chunk)
    sql = select_sql(table, f"{quoted(table.pk)}, {row_crc_sql(table)}", where)
    return {pk: int(crc) for pk, crc in _fetch(alias, sql, params)}


def _differing(table: Table, candidates: list[Chunk], local: str, peer: str) -> list[Chunk]:
    return [
        chunk
        for chunk in candidates
        if chunk_checksum(local, table, chunk) != chunk_checksum(peer, table, chunk)
    ]


def row_differences(table: Table, chunk: Chunk, *, local: str, peer: str) -> list[RowDiff]:
    mine, theirs = row_checksums(local, table, chunk), row_checksums(peer, table, chunk)
    diffs = [RowDiff(pk, ONLY_LOCAL) for pk in mine if pk not in theirs]
    diffs += [RowDiff(pk, ONLY_PEER) for pk in theirs if pk not in mine]
    diffs += [RowDiff(pk, DIFFERENT) for pk, crc in mine.items() if theirs.get(pk, crc) != crc]
    return sorted(diffs, key=lambda d: d.pk)  # one table, one key type


def compare_table(
    table: Table, *, local: str, peer: str, recheck_delay: float, rechecks: int
) -> TableResult:
    ranges = chunks(table, alias=local)
    result = TableResult(table, chunks=len(ranges))
    result.differing = _differing(table, ranges, local, peer)
    persistent = result.differing
    for _ in range(rechecks):
        if not persistent:
            break
        time.sleep(recheck_delay)
        persistent = _differing(table, persistent, local, peer)
    result.persistent = persistent
    for chunk in persistent:
        result.rows += row_differences(table, chunk, local=local, peer=peer)
    return result


def compare(
    tables: list[Table],
    *,
    local: str = "default",
    peer: str = "peer",
    recheck_delay: float = 0.5,
    rechecks: int = 2,
) -> CompareResult:
    """Checksum `tables` on both aliases; rows of chunks that keep differing are listed."""
    return CompareResult(
        [
            compare_table(t, local=local, peer=peer, recheck_delay=recheck_delay, rechecks=rechecks)
            for t in tables
        ]
    )

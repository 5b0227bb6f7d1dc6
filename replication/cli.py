"""What the replication commands share: the peer check, table selection, options, reports."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError

from replication.checksum import CompareResult, Table, platform_tables

SHOWN_KEYS = 20


def require_peer() -> None:
    if "peer" not in settings.DATABASES:
        raise CommandError("no peer configured: set PEER_DATABASE_URL to the other node's database")


def selected_tables(names: list[str] | None) -> list[Table]:
    tables = platform_tables()
    if not names:
        return tables
    by_name = {t.name: t for t in tables}
    unknown = sorted(set(names) - set(by_name))
    if unknown:
        raise CommandError(f"unknown table(s): {', '.join(unknown)}")
    return [by_name[name] for name in dict.fromkeys(names)]


def add_compare_arguments(parser) -> None:
    parser.add_argument(
        "--table", action="append", dest="tables", metavar="TABLE", help="Only this table."
    )
    parser.add_argument("--rechecks", type=int, default=2, help="Re-checks of a differing chunk.")
    parser.add_argument(
        "--recheck-delay", type=float, default=0.5, help="Seconds between re-checks."
    )


def text_report(result: CompareResult) -> str:
    lines = []
    for table in result.tables:
        line = (
            f"{table.table.name}: {table.chunks} chunk(s) compared, "
            f"{len(table.persistent)} differing"
        )
        transient = len(table.differing) - len(table.persistent)
        if transient:
            line += f" ({transient} more differed briefly: changes in flight)"
        if table.rows:
            shown = ", ".join(f"{r.pk} ({r.where})" for r in table.rows[:SHOWN_KEYS])
            more = len(table.rows) - SHOWN_KEYS
            line += f"; {len(table.rows)} differing key(s): {shown}"
            line += f" … and {more} more" if more > 0 else ""
        lines.append(line)
    differing = [t.table.name for t in result.tables if t.differs]
    lines.append(f"DIFFERENT: {', '.join(differing)}" if differing else "EQUAL")
    return "\n".join(lines)


def object_findings(result: CompareResult, *, local: str = "default", peer: str = "peer") -> dict:
    """The checksum's object view (rule 9): the objects its differing rows belong to,
    aggregates whose links disagree with their parent on either database, and cross-row
    invariants broken on either."""
    from replication import aggregates, invariants

    known = aggregates.shapes()
    objects: dict[tuple, int] = {}
    for table in result.tables:
        for row in table.rows:
            unit = aggregates.unit_of(table.table, row.pk, known, local=local, peer=peer)
            objects[unit.key] = objects.get(unit.key, 0) + 1
    sides = {local: "this", peer: "peer"}
    inconsistent = [
        {"database": sides[alias], "table": unit.table.name, "pk": unit.pk, "detail": why}
        for alias in (local, peer)
        for unit, why in aggregates.all_inconsistent(alias)
    ]
    found = invariants.compare(local=local, peer=peer)
    broken = [_violation(v, "both") for v in found.both]
    broken += [_violation(v, sides[alias]) for alias, v in found.one_side]
    return {
        "objects": [{"table": t, "pk": pk, "rows": n} for (t, pk), n in objects.items()],
        "inconsistent": inconsistent,
        "invariants": broken,
    }


def _violation(violation, where: str) -> dict:
    return {"rule": violation.rule, "on": where, "detail": violation.detail}


def object_report(findings: dict) -> list[str]:
    lines = []
    if findings["objects"]:
        shown = ", ".join(
            f"{o['table']} pk={o['pk']} ({o['rows']} row(s))" for o in findings["objects"]
        )
        lines.append(f"objects differing: {shown}")
    lines += [
        f"LINKS DISAGREE on {i['database']}: {i['table']} pk={i['pk']}: {i['detail']}"
        for i in findings["inconsistent"]
    ]
    lines += [
        f"INVARIANT BROKEN ({v['on']}): {v['rule']}: {v['detail']}" for v in findings["invariants"]
    ]
    return lines

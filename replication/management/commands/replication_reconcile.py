"""`manage.py replication_reconcile`: settle what differs between the two databases.

Runs the checksum, then plans, object by object (a last-writer-wins row, or an aggregate
with its links), which side wins (replication/reconcile.py); aggregates whose links
disagree with their parent are settled too. A dry run unless `--apply`. With `--apply`
each object is written conditionally on both databases, read back on both afterwards,
and the services' cross-row invariants found on both databases are repaired
(replication/invariants.py). What it may not or could not settle (append-only and
home-node rows, ties and stamps closer than the measured clock skew, objects that moved
or whose replication was in flight, invariants seen on one side only) is listed and
makes the command exit 1.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from replication import aggregates, invariants, reconcile
from replication.checksum import compare
from replication.cli import add_compare_arguments, require_peer, selected_tables
from replication.reconcile import Settlement

SIDES = {"default": "this node", "peer": "peer"}
REPAIR_PASSES = 3


def describe(settlement: Settlement) -> str:
    row, lost = settlement.row, settlement.seen[settlement.loser].parent
    loser = (
        "missing (copy)"
        if lost is None
        else f"updated_at {lost['updated_at']} origin_node {lost['origin_node']}"
    )
    links = f" with its {len(settlement.target.links)} link row(s)" if settlement.unit.shape else ""
    return (
        f"{settlement.unit.table.name} pk={settlement.unit.pk}: {SIDES[settlement.winner]} wins "
        f"(updated_at {row['updated_at']} origin_node {row['origin_node']}) over "
        f"{SIDES[settlement.loser]} ({loser}){links}"
    )


class Command(BaseCommand):
    help = "Settle last-writer-wins objects that differ from the peer; a dry run unless --apply."

    def add_arguments(self, parser):
        add_compare_arguments(parser)
        parser.add_argument("--apply", action="store_true", help="Write the winners' objects.")

    def handle(self, *args, tables, rechecks: int, recheck_delay: float, apply: bool, **options):
        require_peer()
        result = compare(selected_tables(tables), rechecks=rechecks, recheck_delay=recheck_delay)
        extra = {
            unit.key: unit
            for alias in ("default", "peer")
            for unit, _ in aggregates.all_inconsistent(alias)
        }
        made = reconcile.plan(result, extra=extra.values())
        self._print_plan(made, applying=apply)
        problems = []
        if apply and made.settlements:
            problems += self._apply(made)
        if apply and not problems:
            problems += self._repair_invariants()
        elif not apply:
            self._print_invariants()
        if made.needs_operator:
            problems.append(f"{len(made.needs_operator)} row(s) need an operator")
        if problems:
            raise CommandError("; ".join(problems), returncode=1)

    def _print_plan(self, made, *, applying: bool) -> None:
        if made.skew is not None:
            self.stdout.write(
                f"clocks: the peer database's minus this node's {made.skew.skew * 1000:+.3f} ms "
                f"(±{made.skew.uncertainty * 1000:.3f} ms)"
            )
        if not made.settlements and not made.needs_operator:
            self.stdout.write("nothing to reconcile: no row differs")
            return
        mode = "plan" if applying else "plan (dry run; --apply to write)"
        self.stdout.write(f"{mode}: {len(made.settlements)} object(s) to settle")
        for settlement in made.settlements:
            self.stdout.write(f"  {describe(settlement)}")
        for referral in made.needs_operator:
            self.stdout.write(
                f"  NEEDS AN OPERATOR {referral.table} pk={referral.pk} ({referral.where}): "
                f"{referral.reason}"
            )

    def _apply(self, made) -> list[str]:
        applied = reconcile.apply(made)
        not_written = 0
        for settlement, outcome in applied:
            where = f"{settlement.unit.table.name} pk={settlement.unit.pk}"
            if outcome != reconcile.WRITTEN:
                not_written += 1
                self.stdout.write(f"NOT WRITTEN {where}: {outcome}")
                continue
            for alias in ("default", "peer"):
                self._report_writes(settlement, alias, where)
        problems = [f"{not_written} object(s) not written; run it again"] if not_written else []
        unsettled = reconcile.verify(applied)
        for settlement, why in unsettled:
            self.stdout.write(
                f"NOT SETTLED {settlement.unit.table.name} pk={settlement.unit.pk}: {why}"
            )
        if unsettled:
            problems.append(f"{len(unsettled)} object(s) could not be settled")
        return problems

    def _report_writes(self, settlement: Settlement, alias: str, where: str) -> None:
        count = settlement.writes(alias)
        if not count:
            return
        if alias == settlement.winner:  # the winner's own links brought in line with it
            self.stdout.write(f"settled the links of {where} on {SIDES[alias]} ({count} row(s))")
            return
        action = "copied" if settlement.seen[alias].parent is None else "updated"
        self.stdout.write(
            f"{action} {where} on {SIDES[alias]} with {SIDES[settlement.winner]}'s row"
            f" ({count} row(s))"
        )

    def _repair_invariants(self) -> list[str]:
        for _ in range(REPAIR_PASSES):  # a repair may reveal the next (a parent deleted too)
            found = invariants.compare()
            if not found.both:
                break
            for violation, outcome in invariants.repair(found.both):
                self.stdout.write(f"repaired {violation.rule}: {violation.detail}: {outcome}")
        found = invariants.compare()
        for alias, violation in found.one_side:
            self.stdout.write(
                f"NOT REPAIRED {violation.rule} (only on {SIDES[alias]}): {violation.detail}"
            )
        if found.any:
            return [f"{len(found.both) + len(found.one_side)} invariant violation(s) remain"]
        return []

    def _print_invariants(self) -> None:
        found = invariants.compare()
        for violation in found.both:
            self.stdout.write(f"  would repair {violation.rule}: {violation.detail}")
        for alias, violation in found.one_side:
            self.stdout.write(
                f"  {violation.rule} broken on {SIDES[alias]} only: {violation.detail} "
                "(settle the differing rows first)"
            )

"""`manage.py replication_reconcile`: settle rows that differ between the two databases.

Runs the checksum, then plans, for last-writer-wins tables, which side's row wins
(replication/reconcile.py). A dry run unless `--apply`. Rows it may not settle itself
(append-only, home-node, ties it cannot break) are listed for an operator, and make the
command exit 1.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from replication import reconcile
from replication.checksum import compare
from replication.cli import add_compare_arguments, require_peer, selected_tables
from replication.reconcile import Decision

SIDES = {"default": "this node", "peer": "peer"}


def describe(decision: Decision) -> str:
    row, lost = decision.row, decision.loser_row
    loser = (
        "missing (copy)"
        if lost is None
        else f"updated_at {lost['updated_at']} origin_node {lost['origin_node']}"
    )
    return (
        f"{decision.table.name} pk={decision.pk}: {SIDES[decision.winner]} wins "
        f"(updated_at {row['updated_at']} origin_node {row['origin_node']}) over "
        f"{SIDES[decision.loser]} ({loser})"
    )


class Command(BaseCommand):
    help = "Settle last-writer-wins rows that differ from the peer; a dry run unless --apply."

    def add_arguments(self, parser):
        add_compare_arguments(parser)
        parser.add_argument("--apply", action="store_true", help="Write the winners' rows.")

    def handle(
        self,
        *args,
        tables: list[str] | None,
        rechecks: int,
        recheck_delay: float,
        apply: bool,
        **options,
    ):
        require_peer()
        result = compare(selected_tables(tables), rechecks=rechecks, recheck_delay=recheck_delay)
        made = reconcile.plan(result)
        self._print_plan(made, applying=apply)
        problems = []
        if apply and made.decisions and (not_written := self._apply(made)):
            problems.append(f"{not_written} row(s) not written; check them and run it again")
        if made.needs_operator:
            problems.append(f"{len(made.needs_operator)} row(s) need an operator")
        if problems:
            raise CommandError("; ".join(problems), returncode=1)

    def _print_plan(self, made, *, applying: bool) -> None:
        if not made.decisions and not made.needs_operator:
            self.stdout.write("nothing to reconcile: no row differs")
            return
        mode = "plan" if applying else "plan (dry run; --apply to write)"
        self.stdout.write(f"{mode}: {len(made.decisions)} row(s) to settle")
        for decision in made.decisions:
            self.stdout.write(f"  {describe(decision)}")
        for referral in made.needs_operator:
            self.stdout.write(
                f"  NEEDS AN OPERATOR {referral.table} pk={referral.pk} ({referral.where}): "
                f"{referral.reason}"
            )

    def _apply(self, made) -> int:
        not_written = 0
        for decision, outcome in reconcile.apply(made):
            where = f"{decision.table.name} pk={decision.pk}"
            if outcome == reconcile.WRITTEN:
                action = "copied" if decision.copy else "updated"
                self.stdout.write(
                    f"{action} {where} on {SIDES[decision.loser]} "
                    f"with {SIDES[decision.winner]}'s row"
                )
            else:
                not_written += 1
                self.stdout.write(f"NOT WRITTEN {where}: {outcome}")
        return not_written

"""`manage.py request_doubles [--apply]`: requests applied on both databases, and their repair.

The exactly-once rules (replication/exactly_once.py) prevent a double unless a client
breaks the resend rules or node clocks drift past the measured bound; both databases'
records of a request replicate, so a double cannot stay silent. This lists each one
(exit 1 when any is found) and, with `--apply`, undoes the later application: rows it
created are soft-deleted (or deleted, if an inserted row nothing refers to); updates are
left to `replication_reconcile`. Run it on one node only.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from replication import exactly_once


class Command(BaseCommand):
    help = "List requests applied on both databases; undo the later copies with --apply."

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Undo the later applications.")
        parser.add_argument("--json", action="store_true", help="Print the findings as JSON.")

    def handle(self, *args, apply: bool, json: bool, **options):
        found = exactly_once.doubles()
        report = []
        for double in found:
            plan = exactly_once.repair(double) if apply else exactly_once.repair_plan(double)
            report.append(
                {
                    "method": double.kept.method,
                    "path": double.kept.path,
                    "kept_on_database": double.kept.db_index,
                    "undone_on_databases": [r.db_index for r in double.undone],
                    "steps": plan,
                }
            )
        if json:
            self.stdout.write(_dumps({"doubles": report, "applied": apply}))
        else:
            self._text(report, apply)
        if found and not apply:
            raise CommandError(f"{len(found)} request(s) applied twice", returncode=1)

    def _text(self, report: list[dict], apply: bool) -> None:
        if not report:
            self.stdout.write("no request applied on both databases")
            return
        verb = "undone" if apply else "would undo (dry run; --apply to repair)"
        for item in report:
            self.stdout.write(
                f"{item['method']} {item['path']}: kept on database {item['kept_on_database']}, "
                f"{verb} on {item['undone_on_databases']}"
            )
            for step in item["steps"]:
                why = f" ({step['why']})" if "why" in step else ""
                self.stdout.write(f"  {step['action']} {step['model']} {step['pk']}{why}")


def _dumps(data) -> str:
    return json.dumps(data, indent=2, default=str)

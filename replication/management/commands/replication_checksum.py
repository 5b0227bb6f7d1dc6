"""`manage.py replication_checksum`: compare this node's database with the peer's.

Prints, per table, the chunks compared, the chunks that differed and the keys of the
rows that kept differing after the re-checks; then the objects those rows belong to
(an aggregate counts once: docs/ARCHITECTURE.md#rule-9), the aggregates whose live links
disagree with their parent on either database, and the cross-row invariants broken on
either. Exits 1 when any row differs or anything of that is found.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from replication import exactly_once
from replication.checksum import compare
from replication.cli import (
    add_compare_arguments,
    object_findings,
    object_report,
    require_peer,
    selected_tables,
    text_report,
)


class Command(BaseCommand):
    help = (
        "Checksum every platform table and object on this node and the peer; exit 1 if any differs."
    )

    def add_arguments(self, parser):
        add_compare_arguments(parser)
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(
        self,
        *args,
        tables: list[str] | None,
        rechecks: int,
        recheck_delay: float,
        json: bool,
        **options,
    ):
        require_peer()
        result = compare(selected_tables(tables), rechecks=rechecks, recheck_delay=recheck_delay)
        findings = object_findings(result)
        # Equal checksums can hide a request applied on both databases (each copy replicated
        # to the other): the records say so.
        doubles = exactly_once.doubles_count()
        if json:
            report = {**result.as_dict(), **findings, "requests_applied_twice": doubles}
            self.stdout.write(_dumps(report))
        else:
            self.stdout.write(text_report(result))
            for line in object_report(findings):
                self.stdout.write(line)
            if doubles:
                self.stdout.write(
                    f"{doubles} request(s) applied on both databases: request_doubles"
                )
        broken = len(findings["inconsistent"]) + len(findings["invariants"])
        if result.differs or doubles or broken:
            count = sum(t.differs for t in result.tables)
            raise CommandError(
                f"{count} table(s) differ from the peer, {broken} object(s) inconsistent or "
                f"breaking an invariant, {doubles} request(s) applied twice",
                returncode=1,
            )


def _dumps(data) -> str:
    return json.dumps(data, indent=2, default=str)

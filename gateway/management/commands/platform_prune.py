"""Delete this node's ended sessions and old request records; a dry run unless `--apply`.

Each node prunes only the rows its database took (`created_on_node` or `db_index` is this
node's), and the other node's own run prunes the rest; replication carries each delete
across (core.activeactive.delete_in_batches says why only one node deletes a row). Run it
from cron or the systemd timer on every node, e.g. hourly.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from core.activeactive import delete_in_batches
from credential.sessions import sessions_prunable
from replication.exactly_once import records_prunable


class Command(BaseCommand):
    help = "Delete this node's ended sessions and old request records (dry run unless --apply)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--retention-hours",
            type=int,
            default=24,
            help="Keep ended sessions this long after they end, for inspection (default 24).",
        )
        parser.add_argument("--apply", action="store_true", help="Really delete the rows.")

    def handle(self, *args, retention_hours: int, apply: bool, **options):
        if retention_hours < 0:
            raise CommandError("--retention-hours cannot be negative")
        prunable = {
            "ended sessions": sessions_prunable(retention=timedelta(hours=retention_hours)),
            "request records": records_prunable(),
        }
        for label, queryset in prunable.items():
            if apply:
                self.stdout.write(f"Deleted {delete_in_batches(queryset)} {label}")
            else:
                self.stdout.write(f"Would delete {queryset.count()} {label}")
        if not apply:
            self.stdout.write("Dry run: nothing deleted. Run with --apply to delete.")

"""`manage.py replication_heartbeat`: keep this node's replicated heartbeat row fresh."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from replication.heartbeat import beat


class Command(BaseCommand):
    help = "Write this node's heartbeat every --interval-ms (or --once); lag is read from it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval-ms", type=int, default=500, help="Milliseconds between beats (10 or more)."
        )
        parser.add_argument("--once", action="store_true", help="Write one beat and stop.")
        parser.add_argument("--count", type=int, default=0, help="Stop after N beats (0: never).")

    def handle(self, *args, interval_ms: int, once: bool, count: int, **options):
        if interval_ms < 10:
            raise CommandError("--interval-ms must be at least 10")
        beats = 0
        while True:
            try:
                seq = beat()
            except DatabaseError as exc:  # the database may come back: keep trying
                connections["default"].close()
                self.stderr.write(f"heartbeat failed: {exc}")
            else:
                beats += 1
                if once:
                    self.stdout.write(f"heartbeat {seq}")
                    return
            if count and beats >= count:
                return
            time.sleep(interval_ms / 1000)

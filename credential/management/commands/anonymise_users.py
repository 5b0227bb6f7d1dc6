"""`manage.py anonymise_users`: the retention job for deactivated users (dry run unless --apply).

Users are deactivated, never deleted (docs/ARCHITECTURE.md#rule-8). This removes what
identifies a deactivated person from their row once nothing on either database can still
be writing for them (credential/retention.py says what that takes). It runs on the
credential service's home node only.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from credential import retention


class Command(BaseCommand):
    help = (
        "Anonymise users deactivated and idle for --days on both databases (dry run: no --apply)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=90, help="Days without any activity (default 90)."
        )
        parser.add_argument("--apply", action="store_true", help="Really anonymise them.")

    def handle(self, *args, days: int, apply: bool, **options):
        if days < 0:
            raise CommandError("--days cannot be negative")
        try:
            retention.require_home()
            found = retention.candidates(retention=timedelta(days=days))
        except retention.NotTheHome as exc:
            raise CommandError(str(exc)) from exc
        except DatabaseError as exc:
            raise CommandError(f"cannot read both databases, nothing anonymised: {exc}") from exc
        ready = [user for user, why in found if why is None]
        for user, why in found:
            if why is not None:
                self.stdout.write(f"kept {user.pk} ({user.get_username()}): {why}")
        if not apply:
            for user in ready:
                self.stdout.write(f"would anonymise {user.pk} ({user.get_username()})")
            self.stdout.write(f"dry run: {len(ready)} user(s) would be anonymised (add --apply)")
            return
        done = [user for user in ready if retention.anonymise(user)]
        for user in done:
            self.stdout.write(f"anonymised {user.pk}")
        self.stdout.write(
            f"{len(done)} user(s) anonymised, {len(ready) - len(done)} changed meanwhile"
        )

"""`manage.py schema_audit`: list every UNIQUE constraint and how it is kept safe."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from replication.schema_audit import audit


class Command(BaseCommand):
    help = "List every unique constraint of every installed model with its active-active verdict."

    def handle(self, *args, **options):
        rules = audit()
        for rule in sorted(rules, key=lambda r: (r.verdict != "UNSAFE", r.table)):
            self.stdout.write(
                f"{rule.verdict:<10} {rule.table:<32} {','.join(rule.columns):<28} {rule.reason}"
            )
        unsafe = [rule for rule in rules if rule.verdict == "UNSAFE"]
        if unsafe:
            raise CommandError(f"{len(unsafe)} unsafe unique constraint(s)", returncode=1)

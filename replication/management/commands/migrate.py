"""`migrate`, refused on every node but the designated migration node.

Schema changes run on one node only (active-active data rule 5); replication carries
the DDL to the others. Running migrations on a second node would apply every schema
change twice — once directly, once replicated — and stop replication on the first
conflict. On a single node (no peer) or on SQLite there is nothing to protect.

On the migration node, `migrate` owns what it writes: its schema changes and the rows
they seed pass the write guard's home check (replication/guard.py), wherever the homes
are at the moment.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate

from replication import guard


class Command(DjangoMigrate):
    help = "Apply migrations; only on PLATFORM_MIGRATION_NODE when a peer is configured."

    def execute(self, *args, **options):
        replicated = "peer" in settings.DATABASES or settings.PLATFORM_NODE_COUNT > 1
        mysql = settings.DATABASES["default"]["ENGINE"].endswith("mysql")
        if (
            replicated
            and mysql
            and settings.PLATFORM_NODE_INDEX != settings.PLATFORM_MIGRATION_NODE
        ):
            raise CommandError(
                f"this is node {settings.PLATFORM_NODE_INDEX}; migrations run only on node "
                f"{settings.PLATFORM_MIGRATION_NODE} (PLATFORM_MIGRATION_NODE) and reach this "
                "node through replication"
            )
        with guard.owner("migrate"):
            return super().execute(*args, **options)

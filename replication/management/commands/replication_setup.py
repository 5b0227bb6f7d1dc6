"""`manage.py replication_setup`: make this node's database replicate from the peer's."""

from __future__ import annotations

import os
import socket

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from replication.setup import (
    GTID_MODES,
    ReplicaTLS,
    change_master_statements,
    heartbeat_event_statements,
)


class Command(BaseCommand):
    help = (
        "Make this node's database replicate from the peer and write its own heartbeat "
        "(dry run unless --apply; run after migrate)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--replication-user", default="repl", help="The peer's replication user to log in as."
        )
        parser.add_argument(
            "--password-env",
            default="REPLICATION_PASSWORD",
            help="Environment variable holding the replication user's password.",
        )
        parser.add_argument(
            "--gtid-mode",
            choices=GTID_MODES,
            default="slave_pos",
            help="Where replication resumes from (docs/OPERATIONS.md says why slave_pos).",
        )
        parser.add_argument(
            "--tls-ca",
            help="Replicate over TLS, verifying the peer's certificate against this CA (PEM).",
        )
        parser.add_argument("--apply", action="store_true", help="Run the statements.")

    def handle(self, *args, replication_user, password_env, gtid_mode, tls_ca, apply, **options):
        peer = settings.PEER_DATABASE
        if peer is None or not settings.DATABASES["default"]["ENGINE"].endswith("mysql"):
            raise CommandError("needs MariaDB/MySQL with PEER_DATABASE_URL set")
        password = os.environ.get(password_env)
        if not password:
            raise CommandError(f"{password_env} is not set")
        host = socket.gethostbyname(peer.get("HOST") or "127.0.0.1")
        source = {
            "host": host,
            "port": int(peer.get("PORT") or 3306),
            "user": replication_user,
            "gtid_mode": gtid_mode,
            "tls": ReplicaTLS(ca=tls_ca) if tls_ca else None,
        }
        heartbeat = heartbeat_event_statements(
            database=settings.DATABASES["default"]["NAME"],
            node_index=settings.PLATFORM_NODE_INDEX,
            node=settings.PLATFORM_NODE,
        )
        statements = [*change_master_statements(**source, password=password), *heartbeat]
        shown = [*change_master_statements(**source, password="*" * 8), *heartbeat]
        for statement in shown:
            self.stdout.write(statement)
        if not apply:
            self.stdout.write("dry run: nothing changed (add --apply)")
            return
        with connections["default"].cursor() as cursor:
            cursor.execute("SET SESSION sql_log_bin = 0")  # per-node setup never replicates
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            self.style.SUCCESS(f"node {settings.PLATFORM_NODE} replicates from {host}")
        )

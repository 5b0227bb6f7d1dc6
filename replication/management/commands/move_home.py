"""`manage.py move_home CODE --to N`: make node N's database the home of a service's writes."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.registry import service
from replication.homes import homes
from replication.moves import home_set


class Command(BaseCommand):
    help = "Move a home-node service's writes to another node's database (dry run unless --apply)."

    def add_arguments(self, parser):
        parser.add_argument("code", help="The service's code, e.g. reservation or credential.")
        parser.add_argument(
            "--to", type=int, required=True, dest="node_index", help="The new home's node index."
        )
        parser.add_argument("--apply", action="store_true", help="Really move it.")

    def handle(self, *args, code: str, node_index: int, apply: bool, **options):
        if not 1 <= node_index <= settings.PLATFORM_NODE_COUNT:
            raise CommandError(
                f"--to must be a node index from 1 to {settings.PLATFORM_NODE_COUNT}"
            )
        config = service(code)
        if config is None:
            raise CommandError(f"no service with code {code!r}")
        self.stdout.write(f"{code}: home node {homes.home_node(code)} → {node_index}")
        if not apply:
            self.stdout.write("dry run: nothing changed (add --apply)")
            return
        home_set(code, to_node=node_index, actor="manage.py move_home")
        self.stdout.write(self.style.SUCCESS(f"{code} now writes to node {node_index}'s database"))

"""`manage.py move_home CODE --to N`: make node N's database the home of a service's writes."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gateway import history
from gateway.models import ServiceRoute


class Command(BaseCommand):
    help = "Move a home-node service's writes to another node's database (dry run unless --apply)."

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("--to", type=int, required=True, dest="node_index")
        parser.add_argument("--apply", action="store_true")

    def handle(self, *args, code: str, node_index: int, apply: bool, **options):
        if not 1 <= node_index <= settings.PLATFORM_NODE_COUNT:
            raise CommandError(
                f"--to must be a node index from 1 to {settings.PLATFORM_NODE_COUNT}"
            )
        route = ServiceRoute.objects.filter(code=code).first()
        if route is None:
            raise CommandError(f"no service with code {code!r}")
        self.stdout.write(f"{code}: home node {route.home_node} → {node_index}")
        if not apply:
            self.stdout.write("dry run: nothing changed (add --apply)")
            return
        history.route_update(
            code, actor="manage.py move_home", source="command", home_node=node_index
        )
        self.stdout.write(self.style.SUCCESS(f"{code} now writes to node {node_index}'s database"))

"""`manage.py move_home CODE --to N`: hand a service's home-node writes over to node N.

A fenced hand-over (replication/moves.py): the service's writes are refused with
`home_moving` while node N applies everything the old home wrote, then every worker of
both nodes switches, then writes resume on N. Each phase is reported with its time.
A dry run unless `--apply`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.registry import service
from replication.homes import homes
from replication.moves import MoveFailed, move_home

PHASES = (
    "fence: refuse the service's writes (home_moving) and wait until none is in flight",
    "drain: wait until the new home has applied everything the old home wrote",
    "switch: name the new home, wait until every worker of both nodes follows it",
    "resume: lift the fence; writes go on at the new home",
)


class Command(BaseCommand):
    help = "Hand a home-node service's writes over to another node (dry run unless --apply)."

    def add_arguments(self, parser):
        parser.add_argument("code", help="The service's code, e.g. reservation or credential.")
        parser.add_argument(
            "--to", type=int, required=True, dest="node_index", help="The new home's node index."
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=30.0,
            help="Seconds to wait for each database to catch up (default 30).",
        )
        parser.add_argument("--apply", action="store_true", help="Really move it.")

    def handle(self, *args, code: str, node_index: int, timeout: float, apply: bool, **options):
        if not 1 <= node_index <= settings.PLATFORM_NODE_COUNT:
            raise CommandError(
                f"--to must be a node index from 1 to {settings.PLATFORM_NODE_COUNT}"
            )
        config = service(code)
        if config is None or not config.has_home:
            raise CommandError(f"no service with home-node data has the code {code!r}")
        current = homes.home_node(code)
        self.stdout.write(f"{code}: home node {current} → {node_index}")
        if current == node_index:
            self.stdout.write("nothing to do: that is its home already")
            return
        if not apply:
            for phase in PHASES:
                self.stdout.write(f"  would {phase}")
            self.stdout.write("dry run: nothing changed (add --apply)")
            return
        try:
            move = move_home(code, to_node=node_index, actor="manage.py move_home", timeout=timeout)
        except MoveFailed as exc:
            raise CommandError(f"move of {code} failed: {exc}") from exc
        for name, seconds, detail in move.phases:
            self.stdout.write(f"  {name:<7} {seconds * 1000:8.1f} ms  {detail}")
        self.stdout.write(self.style.SUCCESS(f"{code} now writes to node {node_index}'s database"))

"""`manage.py routes`: read and change the service routing table from a shell."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.activeactive import write_transaction
from gateway import history
from gateway.models import ServiceRoute
from replication.homes import homes

ACTOR = "manage.py routes"


class Command(BaseCommand):
    help = "List, enable, disable, put in maintenance, export or import service routes."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Show every route.")
        for name in ("enable", "disable"):
            sub.add_parser(name, help=f"{name.title()} a service.").add_argument(
                "code", help="The service's code (`routes list` shows them)."
            )
        maintenance = sub.add_parser("maintenance", help="Maintenance on (or --off) for a service.")
        maintenance.add_argument("code", help="The service's code.")
        maintenance.add_argument("--message", default="", help="Told to clients while it lasts.")
        maintenance.add_argument(
            "--retry-after", type=int, default=None, help="Seconds clients are told to wait."
        )
        maintenance.add_argument("--off", action="store_true", help="End the maintenance.")
        export = sub.add_parser("export", help="Write the table as JSON (stdout or --output).")
        export.add_argument("--output", type=Path, help="File to write instead of stdout.")
        imported = sub.add_parser("import", help="Apply a JSON export; a dry run unless --apply.")
        imported.add_argument("file", type=Path, help="A file written by `routes export`.")
        imported.add_argument("--apply", action="store_true", help="Change the table.")

    def handle(self, *args, action: str, **options):
        getattr(self, f"do_{action}")(**options)

    def do_list(self, **options):
        self.stdout.write(f"{'code':<13}{'enabled':<9}{'maint.':<8}{'home':<6}{'v':<5}target")
        for route in ServiceRoute.objects.all():
            self.stdout.write(
                f"{route.code:<13}{route.enabled!s:<9}{route.maintenance!s:<8}"
                f"{homes.home_node(route.code):<6}{route.version:<5}{route.target}"
                + (f"  [{route.maintenance_message}]" if route.maintenance else "")
            )

    def _update(self, code: str, **changes):
        try:
            route = history.route_update(code, actor=ACTOR, source="command", **changes)
        except ServiceRoute.DoesNotExist:
            raise CommandError(f"no service with code {code!r}") from None
        except history.RouteRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"{route.code}: version {route.version}"))

    def do_enable(self, *, code, **options):
        self._update(code, enabled=True)

    def do_disable(self, *, code, **options):
        self._update(code, enabled=False)

    def do_maintenance(self, *, code, message, retry_after, off, **options):
        changes = {"maintenance": not off}
        if not off:
            changes["maintenance_message"] = message
        if retry_after is not None:
            changes["maintenance_retry_after_seconds"] = retry_after
        self._update(code, **changes)

    def do_export(self, *, output, **options):
        rows = [history.route_snapshot(route) for route in ServiceRoute.objects.all()]
        text = json.dumps({"routes": rows}, indent=2, sort_keys=True) + "\n"
        if output:
            output.write_text(text)
            self.stdout.write(f"wrote {len(rows)} routes to {output}")
        else:
            sys.stdout.write(text)

    def do_import(self, *, file, apply, **options):
        try:
            rows = json.loads(file.read_text())["routes"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from None
        plan = [self._plan(row) for row in rows]
        for code, changes in plan:
            described = ", ".join(f"{k}={v!r}" for k, v in changes.items()) or "no change"
            self.stdout.write(f"{code}: {described}")
        if not apply:
            self.stdout.write("dry run: nothing changed (add --apply)")
            return
        with write_transaction(ServiceRoute):
            for code, changes in plan:
                if changes:
                    self._import_one(code, changes)
        self.stdout.write(self.style.SUCCESS(f"applied {sum(1 for _, c in plan if c)} change(s)"))

    def _plan(self, row: dict) -> tuple[str, dict]:
        code = row.get("code")
        if not isinstance(code, str):
            raise CommandError("every route needs a code")
        unknown = set(row) - set(history.EDITABLE) - {"code"}
        if unknown:
            raise CommandError(f"{code}: unknown fields {sorted(unknown)}")
        current = ServiceRoute.objects.filter(code=code).first()
        if current is None:
            return code, {k: v for k, v in row.items() if k != "code"}
        snapshot = history.route_snapshot(current)
        return code, {k: v for k, v in row.items() if k != "code" and snapshot.get(k) != v}

    def _import_one(self, code: str, changes: dict) -> None:
        try:
            if ServiceRoute.objects.filter(code=code).exists():
                history.route_update(code, actor=ACTOR, source="import", **changes)
            else:
                route = ServiceRoute(code=code, **changes)
                history.route_save(route, actor=ACTOR, source="import", before=None)
        except history.RouteRefused as exc:
            raise CommandError(f"{code}: {exc}") from None

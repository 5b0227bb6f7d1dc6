"""Manage the server's RSA keys: list, generate, rotate, retire, ensure a primary exists.

Keys are credential data, written on the home node (docs/ARCHITECTURE.md) and replicated; each
process picks a change up through its key ring without a restart. Nothing here prints
private material. `retire` stops a key being accepted at once, so it is a dry run unless
given `--apply`; `rotate` keeps the old primary accepted for an overlap, so clients that
fetched its public key still log in meanwhile.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from credential.keys import ensure_primary_key, key_generate, key_retire, key_rotate
from credential.models import ServerKey


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"


class Command(BaseCommand):
    help = "List, generate, rotate, retire (dry run unless --apply) or ensure server RSA keys."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("list", help="Show every key and whether it is accepted now.")
        generate = actions.add_parser("generate", help="Make a new key.")
        generate.add_argument("--primary", action="store_true", help="Make it the primary.")
        rotate = actions.add_parser("rotate", help="Make a new primary; the old one retires later.")
        rotate.add_argument(
            "--overlap-seconds",
            type=int,
            default=None,
            help="How long the old primary stays accepted "
            "(default: CREDENTIAL_KEY_OVERLAP_SECONDS).",
        )
        retire = actions.add_parser("retire", help="Stop accepting a key now (dry run).")
        retire.add_argument("kid", help="The key's id, as `list` shows it.")
        retire.add_argument("--apply", action="store_true", help="Really retire it.")
        actions.add_parser("ensure", help="Make a primary key unless one is accepted.")

    def handle(self, *args, action: str, **options):
        getattr(self, f"handle_{action}")(**options)

    def handle_list(self, **options) -> None:
        now = timezone.now()
        rows = [
            (
                key.kid,
                "yes" if key.is_primary else "no",
                key.fingerprint_sha256,
                _when(key.created_at),
                _when(key.retires_at),
                "yes" if key.accepted(now) else "no",
            )
            for key in ServerKey.objects.order_by("-is_primary", "-created_at")
        ]
        if not rows:
            self.stdout.write("No server keys. Make one with: credential_keys ensure")
            return
        header = ("kid", "primary", "fingerprint (SHA-256)", "created", "retires", "accepted")
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())

    def handle_generate(self, *, primary: bool, **options) -> None:
        key = key_generate(primary=primary)
        role = "primary" if primary else "secondary"
        self.stdout.write(self.style.SUCCESS(f"Generated {role} key {key.kid}"))
        self.stdout.write(f"  fingerprint: {key.fingerprint_sha256}")

    def handle_rotate(self, *, overlap_seconds: int | None, **options) -> None:
        if overlap_seconds is None:
            overlap_seconds = settings.CREDENTIAL_KEY_OVERLAP_SECONDS
        if overlap_seconds < 0:
            raise CommandError("--overlap-seconds cannot be negative")
        new, previous = key_rotate(overlap=timedelta(seconds=overlap_seconds))
        self.stdout.write(self.style.SUCCESS(f"New primary key {new.kid}"))
        self.stdout.write(f"  fingerprint: {new.fingerprint_sha256}")
        for old in previous:
            self.stdout.write(f"  {old.kid} stays accepted until {_when(old.retires_at)}")

    def handle_retire(self, *, kid: str, apply: bool, **options) -> None:
        key = ServerKey.objects.filter(kid=kid).first()
        if key is None:
            raise CommandError(f"No server key with kid {kid!r}")
        if key.is_primary:
            raise CommandError(f"Key {kid} is the primary and cannot be retired; rotate first")
        if not key.accepted():
            self.stdout.write(f"Key {kid} is already retired (since {_when(key.retires_at)})")
            return
        if not apply:
            self.stdout.write(
                f"Would retire key {kid} now (accepted until {_when(key.retires_at)}): clients "
                "still using it must fetch the primary's public key. Run with --apply to do it."
            )
            return
        try:
            key_retire(kid=kid)
        except (ServerKey.DoesNotExist, ValueError) as exc:
            raise CommandError(str(exc) or f"Could not retire key {kid}") from exc
        self.stdout.write(self.style.SUCCESS(f"Retired key {kid}; it is no longer accepted"))

    def handle_ensure(self, **options) -> None:
        key, created = ensure_primary_key()
        if created:
            self.stdout.write(self.style.SUCCESS(f"Created primary key {key.kid}"))
        else:
            self.stdout.write(f"Primary key {key.kid} exists; nothing to do")

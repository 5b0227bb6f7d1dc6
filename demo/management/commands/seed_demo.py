"""`manage.py seed_demo`: a believable demo organisation in every service."""

from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core import registry
from demo.people import STAFF, create_people


class Command(BaseCommand):
    help = "Fill an empty node with a demo organisation: staff, groups, grants and data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--admin-password-file",
            type=Path,
            help="Keep the demo password here (mode 600) instead of only printing it.",
        )

    def handle(self, *args, admin_password_file: Path | None, **options):
        if get_user_model().objects.filter(username__in=list(STAFF)).exists():
            self.stdout.write("demo organisation already there; nothing to do")
            return
        with transaction.atomic():
            people, password = create_people()
            now = timezone.now()
            for config in registry.business_services():
                try:
                    seed = import_module(f"{config.name}.demo").seed
                except (ImportError, AttributeError) as exc:
                    raise CommandError(f"{config.name}.demo has no seed(): {exc}") from None
                seed(people=people, now=now)
                self.stdout.write(f"  {config.code}: seeded")
        line = f"users {', '.join(sorted(people))}; password {password}"
        if admin_password_file:
            admin_password_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(admin_password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(
                    f"username admin (or any of {', '.join(sorted(STAFF))}), password {password}\n"
                )
        self.stdout.write(self.style.SUCCESS(f"demo organisation created: {line}"))

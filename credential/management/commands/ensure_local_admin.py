"""Create a superuser for trying a local node out, with a random password shown once."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the local trial superuser once; its password is kept in var/local-admin.txt."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin", help="The superuser's name.")
        parser.add_argument(
            "--password-file",
            type=Path,
            default=settings.VAR_DIR / "local-admin.txt",
            help="Where its random password is written once (mode 600).",
        )

    def handle(self, *args, username: str, password_file: Path, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                f"Local admin '{username}' exists; its password is in {password_file}"
            )
            return
        password = secrets.token_urlsafe(16)
        User.objects.create_superuser(username=username, email="", password=password)
        password_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(f"username={username}\npassword={password}\n")
        self.stdout.write(self.style.SUCCESS(f"Created local admin '{username}'"))
        self.stdout.write(f"  password: {password}   (shown once; kept in {password_file})")

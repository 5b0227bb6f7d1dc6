#!/usr/bin/env python
"""Django's command-line utility for this platform node."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_site.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line
    from django.db import OperationalError

    from platform_site.config import ConfigurationError

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings now, to report errors plainly
    except ConfigurationError as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        sys.exit(2)
    try:
        execute_from_command_line(sys.argv)
    except OperationalError as exc:
        # A home-node write sent to the home over the peer connection, which a partition
        # cut: say so plainly, as a refusal (replication/routers.py).
        from replication.routers import home_unreachable

        message = home_unreachable(exc)
        if message is None:
            raise
        sys.stderr.write(f"CommandError: {message}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()

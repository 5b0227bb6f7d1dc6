#!/usr/bin/env python
"""Django's command-line utility for this platform node."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_site.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    from platform_site.config import ConfigurationError

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings now, to report errors plainly
    except ConfigurationError as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        sys.exit(2)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

"""WSGI entry point for gunicorn; a configuration error stops the worker with one line."""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_site.settings")

from platform_site.config import ConfigurationError

try:
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
except ConfigurationError as exc:
    sys.stderr.write(f"configuration error: {exc}\n")
    sys.exit(2)

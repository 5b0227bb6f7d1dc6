"""WSGI entry point for gunicorn; a configuration error stops the worker with one line."""

import logging
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_site.settings")

from platform_site.config import ConfigurationError

# A node writes a JSON line for every request, and no format it writes names the calling
# function, line, thread or process: the logging HOWTO's "Optimization" switches skip
# looking them up (about a fifth of a log line's cost, bench/PROFILE.md).
logging._srcfile = None
logging.logThreads = False
logging.logProcesses = False
logging.logMultiprocessing = False

try:
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
except ConfigurationError as exc:
    sys.stderr.write(f"configuration error: {exc}\n")
    sys.exit(2)

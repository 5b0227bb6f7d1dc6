"""One JSON format for every line a node writes, so a log shipper takes them as they are.

The same configuration (`logging_config`) serves Django (`settings.LOGGING`) and
gunicorn (`logconfig_dict` in `deploy/gunicorn.conf.py`), so the platform's loggers,
Django's, gunicorn's error log and, when enabled, its access log all write one JSON
object per line on stdout, each with:

- `time`: RFC 3339 in UTC with milliseconds (`2026-12-01T17:52:07.167Z`);
- `level`, `logger`, `message`, and the record's own fields;
- `node`: the node's name (`PLATFORM_NODE`);
- `request_id`: on every line written while a request is served (the id
  `gateway/requestlog.py` sets and returns in `X-Request-Id`); absent outside requests.

Each event is logged once: Django's `django.request` line for a 4xx/5xx answer repeats
the platform's own request line (`platform.request`) and is dropped, unless it carries
a traceback (an exception nothing else logged). No Django import here: gunicorn's
master loads this before Django is set up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from gateway.requestid import REQUEST_ID

FIELDS = "%(asctime)s %(levelname)s %(name)s %(node)s %(request_id)s %(message)s"
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}
# Never written: `request` (Django's, whose repr carries the query string) and the
# attributes this module sets itself.
SKIPPED = [*RESERVED_ATTRS, "request", "server_time", "node", "request_id"]


class NodeContext(logging.Filter):
    """Stamps every record with the node's name and the request being served, if any."""

    def __init__(self, node: str = "") -> None:
        super().__init__()
        self.node = node

    def filter(self, record: logging.LogRecord) -> bool:
        record.node = self.node
        record.request_id = REQUEST_ID.get()
        return True


class OneLinePerRequest(logging.Filter):
    """For `django.request`: its answer lines repeat `platform.request`'s; keep tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.exc_info is not None


class JsonLines(JsonFormatter):
    """python-json-logger with the platform's fields, time format and gunicorn access lines."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("rename_fields", RENAMED)
        kwargs.setdefault("reserved_attrs", SKIPPED)
        super().__init__(FIELDS, *args, **kwargs)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"

    def add_fields(self, log_data: dict, record: logging.LogRecord, message_dict: dict) -> None:
        super().add_fields(log_data, record, message_dict)
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            log_data.update(access_fields(record.args))
        if log_data.get("request_id") is None:
            log_data.pop("request_id", None)


def access_fields(atoms: Mapping) -> dict:
    """gunicorn's access atoms as fields; the path without its query, as everywhere."""
    sent = atoms.get("B")
    return {
        "message": "access",
        "request_id": atoms.get("{x-request-id}o"),
        "client": atoms.get("h"),
        "method": atoms.get("m"),
        "path": (atoms.get("U") or "")[:300],
        "status": _int(atoms.get("s")),
        "bytes_out": sent if isinstance(sent, int) else 0,
        "total_ms": round((atoms.get("D") or 0) / 1000, 3),
        "user_agent": (atoms.get("a") or "")[:200],
    }


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def logging_config(*, level: str, node: str) -> dict:
    """Django's dictConfig of a node: everything through one JSON handler on stdout."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "node_context": {"()": "platform_site.logs.NodeContext", "node": node},
            "one_line_per_request": {"()": "platform_site.logs.OneLinePerRequest"},
        },
        "formatters": {"json": {"()": "platform_site.logs.JsonLines"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
                "filters": ["node_context"],
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # Django's own handlers (plain text under DEBUG, mail to ADMINS) give way to
            # the root's JSON one.
            "django": {"handlers": [], "propagate": True},
            "django.server": {"handlers": [], "propagate": True},
            "django.request": {"filters": ["one_line_per_request"]},
            "django.db.backends": {"level": "INFO"},
        },
    }


def gunicorn_logging_config(*, level: str, node: str, access_log: bool) -> dict:
    """gunicorn's `logconfig_dict`: the same, and its error and access logs through it.

    Django's configuration, applied later in each worker, leaves these two loggers as
    set here; it replaces only the root's handler, with an identical one.
    """
    config = logging_config(level=level, node=node)
    config["loggers"].update(
        {
            # gunicorn sets the error log's level itself (GUNICORN_LOG_LEVEL).
            "gunicorn.error": {"handlers": [], "propagate": True},
            "gunicorn.access": {
                "handlers": [],
                "propagate": True,
                "level": "INFO" if access_log else "WARNING",
            },
        }
    )
    return config

"""The id of the request this thread is serving, for every log line written meanwhile.

`gateway/requestlog.py` sets it for the span of a request; the node's log filter
(`platform_site/logs.py`) reads it. A module of its own with no Django import, so the
log configuration can load it in gunicorn's master before Django is set up.
"""

from __future__ import annotations

import contextvars

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "platform_request_id", default=None
)

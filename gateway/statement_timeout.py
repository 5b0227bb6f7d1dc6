"""Per-service database statement timeout, so a runaway query fails fast (MariaDB/MySQL).

The session variable is set on the connection only when it differs from what that
connection already has, so a worker serving one service pays nothing per request.
"""

from __future__ import annotations

from django.db import connection

MARIADB_TIMEOUT_ERRNO = 1969  # max_statement_time exceeded
MYSQL_TIMEOUT_ERRNO = 3024  # max_execution_time exceeded


def apply(timeout_ms: int) -> None:
    if connection.vendor != "mysql":
        return
    connection.ensure_connection()
    raw = connection.connection
    if getattr(raw, "platform_statement_timeout_ms", None) == timeout_ms:
        return
    with connection.cursor() as cursor:
        if connection.mysql_is_mariadb:
            cursor.execute("SET SESSION max_statement_time = %s", [timeout_ms / 1000])
        else:
            cursor.execute("SET SESSION max_execution_time = %s", [timeout_ms])
    raw.platform_statement_timeout_ms = timeout_ms


def is_timeout(exc: BaseException) -> bool:
    errno = exc.args[0] if getattr(exc, "args", None) else None
    return errno in (MARIADB_TIMEOUT_ERRNO, MYSQL_TIMEOUT_ERRNO)

"""The routing table as each process sees it: loaded once, re-read when it changes.

Every process checks a cheap stamp of the table (row count, sum of versions, newest
update) at most once per GATEWAY_ROUTES_REFRESH_SECONDS and reloads only when the stamp
moved, so an admin's edit (on either node, arriving through replication) applies to
every worker within that interval plus one request.

The stamp is one hand-written statement, not an ORM aggregate: the request that checks
it pays for it, four times a second in every worker, and building the aggregate cost
about nine times the statement itself (bench/PROFILE.md).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.db import connections, router
from django.urls import include, path

from core import registry
from gateway.breaker import Breaker, BreakerParams
from gateway.models import ServiceRoute


class ServiceURLConf:
    """A URLconf object mounting one service under /api/v1/<code>/ (hashable for Django)."""

    def __init__(self, code: str, target: str) -> None:
        self.urlpatterns = [path(f"api/v1/{code}/", include(target))]


@dataclass(frozen=True)
class Route:
    code: str
    display_name: str
    target: str
    enabled: bool
    maintenance: bool
    maintenance_message: str
    maintenance_retry_after_seconds: int
    requires_grant: bool
    statement_timeout_ms: int
    breaker: BreakerParams
    urlconf: ServiceURLConf | None
    home_node_policy: bool = False


def target_problem(target: str) -> str | None:
    """Why `target` cannot serve as a service URLconf, or None when it can."""
    try:
        module = import_module(target)
    except ImportError as exc:
        return f"cannot import {target!r}: {exc}"
    if not isinstance(getattr(module, "urlpatterns", None), list | tuple):
        return f"{target!r} has no urlpatterns"
    return None


def _route(row: ServiceRoute) -> Route:
    urlconf = ServiceURLConf(row.code, row.target) if target_problem(row.target) is None else None
    config = registry.service_of_module(row.target)
    return Route(
        code=row.code,
        display_name=row.display_name,
        target=row.target,
        enabled=row.enabled and urlconf is not None,
        maintenance=row.maintenance,
        maintenance_message=row.maintenance_message,
        maintenance_retry_after_seconds=row.maintenance_retry_after_seconds,
        requires_grant=row.requires_grant,
        statement_timeout_ms=row.statement_timeout_ms,
        breaker=BreakerParams(
            consecutive_failures=row.breaker_consecutive_failures,
            error_rate=row.breaker_error_rate,
            window_seconds=row.breaker_window_seconds,
            min_requests=row.breaker_min_requests,
            open_seconds=row.breaker_open_seconds,
        ),
        urlconf=urlconf,
        home_node_policy=bool(config and config.writes_to_home_node),
    )


def table_stamp() -> tuple:
    """(rows, sum of versions, newest update) of the routing table, read where the ORM
    would read it (the home-node router decides the database, as for the rows)."""
    meta = ServiceRoute._meta
    connection = connections[router.db_for_read(ServiceRoute)]
    quote = connection.ops.quote_name
    version, updated = (quote(meta.get_field(name).column) for name in ("version", "updated_at"))
    table = quote(meta.db_table)
    sql = f"SELECT COUNT(*), SUM({version}), MAX({updated}) FROM {table}"  # noqa: S608 - model names
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


class RouteTable:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, Route] = {}
        self._stamp: tuple | None = None
        self._checked = 0.0
        self.breakers: dict[str, Breaker] = {}

    def refresh(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked < settings.GATEWAY_ROUTES_REFRESH_SECONDS:
            return
        with self._lock:
            self._checked = now
            stamp = table_stamp()
            if stamp == self._stamp and not force:
                return
            rows = ServiceRoute.objects.all()
            self._routes = {row.code: _route(row) for row in rows}
            self._stamp = stamp

    def get(self, code: str) -> Route | None:
        self.refresh()
        return self._routes.get(code)

    def all(self) -> list[Route]:
        self.refresh()
        return sorted(self._routes.values(), key=lambda r: r.code)

    def breaker(self, code: str) -> Breaker:
        breaker = self.breakers.get(code)
        if breaker is None:
            breaker = self.breakers.setdefault(code, Breaker())
        return breaker

    def clear(self) -> None:
        with self._lock:
            self._routes, self._stamp, self._checked = {}, None, 0.0
            self.breakers.clear()


routes = RouteTable()

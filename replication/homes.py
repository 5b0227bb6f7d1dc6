"""Each process's view of the home-node table: loaded once, re-read when it changes.

Like the routing table, every process checks a cheap stamp of `ServiceHome` (row count,
sum of versions) at most once per GATEWAY_ROUTES_REFRESH_SECONDS and reloads only when it
moved, so a home move (on either node, arriving through replication) reaches every
worker within that interval. While `move_home` fences a service, `moving_to` names the
new home; the request path refuses the service's writes at once (`home_moving`), before
the write's own transaction checks the row on its database (replication/guard.py).
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db.models import Count, Sum

from replication.models import ServiceHome


class HomeTable:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._homes: dict[str, int] = {}
        self._moving: dict[str, int] = {}
        self._stamp: tuple | None = None
        self._checked = 0.0

    def refresh(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked < settings.GATEWAY_ROUTES_REFRESH_SECONDS:
            return
        with self._lock:
            self._checked = now
            objects = ServiceHome.objects.using("default")
            stamp = tuple(objects.aggregate(n=Count("id"), v=Sum("version")).values())
            if stamp == self._stamp and not force:
                return
            rows = list(objects.values_list("code", "home_node", "moving_to"))
            self._homes = {code: home for code, home, _ in rows}
            self._moving = {code: to for code, _, to in rows if to is not None}
            self._stamp = stamp

    def home_node(self, code: str) -> int:
        """The node index whose database takes `code`'s home-node writes."""
        self.refresh()
        return self._homes.get(code, settings.PLATFORM_HOME_NODE_DEFAULT)

    def moving_to(self, code: str) -> int | None:
        """The node `code`'s home is being moved to, while `move_home` fences its writes."""
        self.refresh()
        return self._moving.get(code)

    def clear(self) -> None:
        with self._lock:
            self._homes, self._moving, self._stamp, self._checked = {}, {}, None, 0.0


homes = HomeTable()


def seed_homes(*, using: str = "default", **kwargs) -> list[str]:
    """After `migrate` (one node): a row for every service with home-node data, so that
    every home-node write finds its service's row to lock (replication/guard.py)."""
    from core import registry

    created = []
    for config in registry.services():
        if not config.has_home:
            continue
        _, made = ServiceHome.objects.using(using).get_or_create(
            code=config.code, defaults={"home_node": settings.PLATFORM_HOME_NODE_DEFAULT}
        )
        if made:
            created.append(config.code)
    return created

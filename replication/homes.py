"""Each process's view of the home-node table: loaded once, re-read when it changes.

Like the routing table, every process checks a cheap stamp of `ServiceHome` (row count,
sum of versions) at most once per GATEWAY_ROUTES_REFRESH_SECONDS and reloads only when it
moved, so a home move (on either node, arriving through replication) reaches every
worker within that interval.
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
            self._homes = dict(objects.values_list("code", "home_node"))
            self._stamp = stamp

    def home_node(self, code: str) -> int:
        """The node index whose database takes `code`'s home-node writes."""
        self.refresh()
        return self._homes.get(code, settings.PLATFORM_HOME_NODE_DEFAULT)

    def clear(self) -> None:
        with self._lock:
            self._homes, self._stamp, self._checked = {}, None, 0.0


homes = HomeTable()

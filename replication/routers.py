"""Home-node writes: every write of a home-node service goes to one node's database.

Credential writes (users, groups, grants, keys, the routing table) and the writes of
services declaring the home-node policy (core.registry) go to the database of the node
`ServiceHome` names as that service's home — this node's own (`default`) or the peer's
(`peer`, from PEER_DATABASE_URL). Reads stay local, except in two cases, where they go
to the home database for the rest of the request: after a home write
(read-your-writes), and in any write request to a home-node service, whose checks must
see the rows the write will lock (an object made a moment ago through the other node
may not have replicated here yet). With no peer configured, everything is local.
"""

from __future__ import annotations

import contextvars

from django.conf import settings
from django.core.signals import request_started
from django.db import OperationalError

from core.registry import home_service_of
from replication.homes import homes

PEER = "peer"

_home_written: contextvars.ContextVar[frozenset] = contextvars.ContextVar(
    "home_written", default=frozenset()
)


def _reset(**kwargs) -> None:
    _home_written.set(frozenset())


request_started.connect(_reset, dispatch_uid="replication.routers.reset")


def home_alias(code: str) -> str:
    """`default` when this node is `code`'s home, or with no peer at all (one node, or a
    Galera member: every member writes the one database), else `peer`."""
    if PEER not in settings.DATABASES:
        return "default"
    home = homes.home_node(code)
    return "default" if home == settings.PLATFORM_NODE_INDEX else PEER


class HomeNodeRouter:
    def db_for_write(self, model, **hints):
        if PEER not in settings.DATABASES:
            return None
        code = home_service_of(model)
        if code is None:
            return None
        alias = home_alias(code)
        if alias == PEER:
            _home_written.set(_home_written.get() | {code})
        return alias

    def db_for_read(self, model, **hints):
        written = _home_written.get()
        if written and home_service_of(model) in written:
            return PEER
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Schema changes reach the peer through replication, never directly.
        return db == "default"


def read_from_home(code: str) -> None:
    """Send this request's reads of service `code` to its home database."""
    if PEER in settings.DATABASES and home_alias(code) == PEER:
        _home_written.set(_home_written.get() | {code})


def wrote_to_home_peer() -> bool:
    return bool(_home_written.get())


def home_unreachable(exc: BaseException) -> str | None:
    """What to tell an operator whose command could not reach a home database over the
    peer connection (a partition, the home down); None for any other failure."""
    if not isinstance(exc, OperationalError) or not wrote_to_home_peer():
        return None
    codes = ", ".join(sorted(_home_written.get()))
    home = 3 - settings.PLATFORM_NODE_INDEX
    return (
        f"the home database of {codes} (node {home}, PEER_DATABASE_URL) cannot be reached "
        f"from node {settings.PLATFORM_NODE_INDEX}: nothing was written there "
        f"(docs/ARCHITECTURE.md#rule-7). {exc.args[-1] if exc.args else exc}"
    )

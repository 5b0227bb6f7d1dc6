"""The write guard: at the database layer, so no command, admin page or shell goes around it.

On a node with a peer, both connections to the pair's databases (`default` and `peer`)
carry this guard as an execute wrapper (Django's `connection.execute_wrappers`), so it
sees every statement any code sends through Django — the ORM, raw SQL, the admin,
`createsuperuser`, `changepassword`, `loaddata`, the shell — and:

- a write (INSERT, REPLACE, UPDATE, DELETE) to a table of a service with home-node data
  (core.registry) goes through only if the database it is sent to is that service's
  home and no move of the home is under way, as that database's own `ServiceHome` row
  says (docs/ARCHITECTURE.md#rule-7). The row is read under a shared lock that the
  write's transaction keeps until it commits (a statement outside a transaction gets a
  transaction of its own), so `move_home`'s fence, once applied on a database, has
  waited for every home write in flight there and is seen by every later one;
- a DELETE or TRUNCATE of a kept table (users and groups: rows other nodes may reference
  at any moment) is refused, always (docs/ARCHITECTURE.md#rule-8).

Refusals are `core.homewrites` errors: a command exits 1 with the message, the request
path answers `home_moving`. Two owners write regardless of the home check: `migrate`
(schema changes and the rows they seed, rule 5) and `move_home` itself (`owner`). The
guard covers what goes through Django's connections; someone holding the database's
password can always bypass it with another client, as with any application check.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.conf import settings
from django.db import transaction

from core import registry
from core.homewrites import HardDeleteRefused, HomeMoving, NotTheHome

_NAME = r"(?:`(?:[^`]|``)+`|[A-Za-z0-9_$]+)"
_TARGET = re.compile(
    r"\s*(?P<verb>insert|replace|update|delete|truncate)\b"
    r"(?:\s+(?:low_priority|delayed|high_priority|ignore|quick))*"
    r"(?:\s+(?:into|from|table)\b)?"
    rf"\s*(?P<table>{_NAME}(?:\s*\.\s*{_NAME})?)",
    re.IGNORECASE,
)
_WRITE_VERBS = ("insert", "replace", "update", "delete", "truncate")
HOME_ROW = (
    "SELECT home_node, moving_to FROM replication_servicehome WHERE code = %s LOCK IN SHARE MODE"
)

_owner: contextvars.ContextVar[str | None] = contextvars.ContextVar("guard_owner", default=None)


def write_target(sql: str) -> tuple[str, str] | None:
    """(verb, table) of a statement that writes, None for any other statement."""
    head = sql.lstrip()[:8].lower()
    if not head.startswith(_WRITE_VERBS):
        return None
    found = _TARGET.match(sql)
    if found is None:
        return None
    table = re.split(r"\s*\.\s*", found["table"])[-1]
    return found["verb"].lower(), table.strip("`").replace("``", "`")


@dataclass(frozen=True)
class Tables:
    home: dict[str, str]  # table → the code of the service whose home takes its writes
    kept: frozenset[str]  # tables whose rows are never deleted


@cache
def tables() -> Tables:
    home, kept, kept_labels = {}, set(), registry.kept_models()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        code = registry.home_service_of(model)
        if code is not None:
            home[meta.db_table] = code
        if f"{meta.app_label}.{meta.model_name}" in kept_labels:
            kept.add(meta.db_table)
    return Tables(home=home, kept=frozenset(kept))


def node_of(alias: str) -> int:
    """The node index of the database behind one of the node's two connections."""
    own = settings.PLATFORM_NODE_INDEX
    return own if alias == "default" else 3 - own  # the pair's other node


@contextlib.contextmanager
def owner(name: str):
    """Let `name` (migrate, move_home) write home-node data past the home check."""
    token = _owner.set(name)
    try:
        yield
    finally:
        _owner.reset(token)


def home_row(connection, code: str) -> tuple[int, int | None]:
    """(home node, node it is moving to) as this database says, under a shared lock."""
    with connection.cursor() as cursor:
        cursor.execute(HOME_ROW, [code])
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (settings.PLATFORM_HOME_NODE_DEFAULT, None)


def hold(connection, code: str, *, table: str = "") -> None:
    """Inside a transaction on `connection`: refuse unless its database is `code`'s home
    and no move is under way; the shared lock then lasts until the transaction ends.
    Nothing to check on a node without a peer (everything is local there)."""
    if not guarded(connection.alias, connection.vendor):
        return
    node = node_of(connection.alias)
    home, moving_to = home_row(connection, code)
    what = f"{table} holds home-node data of the {code} service" if table else code
    if home != node:
        hint = " or here with --database peer" if connection.alias == "default" else ""
        raise NotTheHome(
            f"{what}, whose home is node {home}; this write went to node {node}'s database, "
            f"so nothing was written (docs/ARCHITECTURE.md#rule-7). Run it on node {home}"
            f"{hint}.",
            code=code,
            home=home,
        )
    if moving_to is not None:
        raise HomeMoving(
            f"the {code} service's home is moving to node {moving_to}: its writes wait until "
            "the hand-over ends; nothing was written",
            code=code,
        )


def guard(execute, sql, params, many, context):
    """The execute wrapper (see the module docstring)."""
    target = write_target(sql)
    if target is None:
        return execute(sql, params, many, context)
    verb, table = target
    known = tables()
    if verb in ("delete", "truncate") and table in known.kept:
        raise HardDeleteRefused(
            f"rows of {table} are never deleted: other nodes may reference them at any "
            "moment; deactivate instead (docs/ARCHITECTURE.md#rule-8). Nothing was deleted."
        )
    code = known.home.get(table)
    if code is None or _owner.get() is not None:
        return execute(sql, params, many, context)
    connection = context["connection"]
    if connection.in_atomic_block:
        hold(connection, code, table=table)
        return execute(sql, params, many, context)
    with transaction.atomic(using=connection.alias):
        hold(connection, code, table=table)
        return execute(sql, params, many, context)


def guarded(alias: str, vendor: str) -> bool:
    return "peer" in settings.DATABASES and vendor == "mysql" and alias in ("default", "peer")


def install(sender, connection, **kwargs) -> None:
    """`connection_created`: put the guard on the pair's connections of a replicated node."""
    if guarded(connection.alias, connection.vendor) and guard not in connection.execute_wrappers:
        connection.execute_wrappers.append(guard)

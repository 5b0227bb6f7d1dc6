"""Login attempts of one node take turns: counted and recorded one at a time, committed at once.

The lockout (credential/lockout.py) is only atomic if an attempt is visible to the next
one before the next one counts. Two things stand in the way, and this module removes both:

- **The request's transaction.** An API login runs inside the gateway's transaction for
  the whole request (the nonce commits with it), so a row it inserts stays invisible to
  other workers until the request ends — long after its password was hashed. On
  MariaDB, attempts therefore go through a connection of their own, in autocommit: the
  attempt is committed the moment it is recorded, whatever the request does after (a
  request that fails later still spent its guess).
- **Concurrent counts.** Two workers could both count four failures and both go on. On
  MariaDB each turn holds two named locks (`GET_LOCK`, on this node's server): the login
  name's, then the address's, always in that order (no deadlock), released once the
  insert has committed. A turn lasts a few milliseconds; the password check runs
  outside it, so attempts wait for each other's count, never for each other's hashing.

Named locks, rather than a row to lock: a lock row per name would be a UNIQUE key both
nodes could insert during a partition, or a hot row both nodes update; a named lock
is neither a row nor a write, and nothing of it replicates. It serialises the attempts
of one database; the other node's arrive by replication (see lockout.py for the bound).

SQLite (the trial node and the fast tests) needs neither: the node is alone, and its
write lock is taken at BEGIN (transaction_mode IMMEDIATE), so a turn is a transaction on
the request's own connection and writers already take turns.
"""

from __future__ import annotations

import contextlib
import hashlib

from django.db import DatabaseError, connections, router, transaction
from django.db.utils import ConnectionDoesNotExist, load_backend

from credential.models import LoginAttempt

ALIAS = "credential_attempts"
# Below the gateway's and the services' statement timeouts: a turn not had by then is a
# refusal to retry (429, one second), never a hung worker.
WAIT_SECONDS = 3


class TurnBusy(Exception):
    """No turn within WAIT_SECONDS (a flood of attempts for one name or address)."""


def attempts_alias() -> str:
    """The database alias attempts are counted and written through on this node."""
    base = router.db_for_write(LoginAttempt)
    if connections[base].vendor != "mysql":
        return base
    try:
        own = connections[ALIAS]
    except ConnectionDoesNotExist:
        own = _own_connection(base)
    own.close_if_unusable_or_obsolete()  # honours CONN_MAX_AGE; drops a broken one
    return ALIAS


def _own_connection(base: str):
    """A second connection to `base`'s database (same settings: init_command, offsets)."""
    settings_dict = {**connections[base].settings_dict, "CONN_HEALTH_CHECKS": True}
    own = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, ALIAS)
    connections[ALIAS] = own  # this thread's; Django's handler keeps one per thread
    return own


@contextlib.contextmanager
def taking_turns(alias: str, name: str, address: str | None):
    """Run the body as one turn for `name` (and `address`) on this node's database."""
    connection = connections[alias]
    if connection.vendor != "mysql":
        with transaction.atomic(using=alias):
            yield
        return
    held: list[str] = []
    try:
        for lock in _lock_names(name, address):
            if not _get_lock(connection, lock):
                raise TurnBusy
            held.append(lock)
        yield  # autocommit: each statement in here commits before the locks go
    finally:
        for lock in reversed(held):
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT RELEASE_LOCK(%s)", [lock])


def _lock_names(name: str, address: str | None) -> list[str]:
    """At most 64 characters each (MariaDB's limit); never the name itself."""
    subjects = [("n", name)] + ([("a", address)] if address else [])
    return [
        f"platform.lockout.{kind}.{hashlib.sha256(value.encode()).hexdigest()[:40]}"
        for kind, value in subjects
    ]


def _get_lock(connection, lock: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT GET_LOCK(%s, %s)", [lock, WAIT_SECONDS])
        return cursor.fetchone()[0] == 1

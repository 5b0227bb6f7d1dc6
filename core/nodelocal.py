"""State every worker of one node shares and no other node needs: a small SQLite file.

Some facts are the node's own and must not replicate (docs/ARCHITECTURE.md, data rules:
what must not replicate stays out of the database): the nonces of safe requests seen in
the timestamp window (a replay to another worker of the node is refused; a replay to
the other node yields nothing, docs/PROTOCOL.md), and the sessions revoked on this node
(every worker refuses them at once, before its per-process cache would expire).

SQLite in WAL mode with `synchronous=OFF` is shared safely by the node's processes,
survives a worker's restart (the file stays), and costs tens of microseconds per
statement, against milliseconds for a durable replicated write. Losing the file (a
reboot of a tmpfs, say) loses only what the window would forget anyway: the next
replays are refused by the timestamp check once the window has passed.

Each process opens its own connection lazily (never across a fork).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS seen (k BLOB PRIMARY KEY, at REAL NOT NULL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS seen_at ON seen (at)",
    "CREATE TABLE IF NOT EXISTS revoked (k TEXT PRIMARY KEY, at REAL NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS tally (k TEXT PRIMARY KEY, since REAL NOT NULL, n INTEGER NOT NULL)"
    " WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS flags (k TEXT PRIMARY KEY, until REAL NOT NULL) WITHOUT ROWID",
)
PRUNE_EVERY = 2000  # inserts between two prunes of expired nonces


class NodeState:
    """The node-local store at `path` (a file the node's workers share)."""

    def __init__(self, path: Path | str, *, window_seconds: float) -> None:
        self.path = Path(path)
        self.window = window_seconds
        self._local = threading.local()
        self._inserts = 0

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Switching to WAL takes a lock SQLite's busy timeout does not wait for, so
            # two workers opening a fresh file at once would see "database is locked":
            # the setup runs under an advisory lock on a sibling file.
            with open(self.path.with_suffix(".lock"), "a") as guard:
                fcntl.flock(guard, fcntl.LOCK_EX)
                conn = sqlite3.connect(self.path, isolation_level=None, timeout=5)
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")
                for statement in SCHEMA:
                    conn.execute(statement)
                os.chmod(self.path, 0o600)
            conn.execute("PRAGMA synchronous=OFF")
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def first_sight(self, key: bytes, *, now: float | None = None) -> bool:
        """Record `key`; True the first time it is seen within the window on this node."""
        now = time.time() if now is None else now
        conn = self._connection()
        inserted = conn.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (key, now)).rowcount
        self._inserts += 1
        if self._inserts % PRUNE_EVERY == 0:
            conn.execute("DELETE FROM seen WHERE at < ?", (now - self.window,))
        if inserted:
            return True
        # An entry older than the window is a stale one the prune has not reached yet.
        row = conn.execute("SELECT at FROM seen WHERE k = ?", (key,)).fetchone()
        if row is not None and row[0] < now - self.window:
            conn.execute("UPDATE seen SET at = ? WHERE k = ?", (now, key))
            return True
        return False

    def revoke(self, session_ref: str, *, now: float | None = None) -> None:
        """Mark a session ended on this node (every worker refuses it from now on)."""
        now = time.time() if now is None else now
        self._connection().execute(
            "INSERT OR REPLACE INTO revoked VALUES (?, ?)", (session_ref, now)
        )

    def is_revoked(self, session_ref: str) -> bool:
        row = (
            self._connection()
            .execute("SELECT 1 FROM revoked WHERE k = ?", (session_ref,))
            .fetchone()
        )
        return row is not None

    def prune_revoked(self, *, older_than_seconds: float) -> int:
        """Forget revocations older than any session could live (its absolute lifetime)."""
        cutoff = time.time() - older_than_seconds
        return self._connection().execute("DELETE FROM revoked WHERE at < ?", (cutoff,)).rowcount

    def raise_flag(self, name: str, *, seconds: float, now: float | None = None) -> None:
        """Set `name` for the next `seconds`, for every worker of the node."""
        now = time.time() if now is None else now
        self._connection().execute(
            "INSERT OR REPLACE INTO flags VALUES (?, ?)", (name, now + seconds)
        )

    def flag_raised(self, name: str, *, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        row = self._connection().execute("SELECT until FROM flags WHERE k = ?", (name,)).fetchone()
        return row is not None and row[0] > now

    def tally(self, key: str, *, window_seconds: float, now: float | None = None):
        """Count one more `key` in its current window; returns (count so far in this
        window, the finished window's (since, count) when this call opened a new one)."""
        now = time.time() if now is None else now
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT since, n FROM tally WHERE k = ?", (key,)).fetchone()
            if row is not None and now - row[0] < window_seconds:
                conn.execute("UPDATE tally SET n = n + 1 WHERE k = ?", (key,))
                return row[1] + 1, None
            conn.execute("INSERT OR REPLACE INTO tally VALUES (?, ?, 1)", (key, now))
            return 1, (None if row is None else (row[0], row[1]))
        finally:
            conn.execute("COMMIT")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


_state: NodeState | None = None
_state_dir: object = None  # the PLATFORM_STATE_DIR value `_state` was made for
_state_lock = threading.Lock()


def node_state() -> NodeState:
    """This process's handle on the node's store (PLATFORM_STATE_DIR), made on first use.

    Every request asks for it twice (its nonce, its session's revocation): the setting is
    compared as it is, and the file's path built only when it changes (a test's override).
    """
    global _state, _state_dir
    from django.conf import settings

    directory = settings.PLATFORM_STATE_DIR
    if _state is None or _state_dir != directory:
        with _state_lock:
            if _state is None or _state_dir != directory:
                path = Path(directory) / "node-state.sqlite3"
                if _state is None or _state.path != path:
                    window = 2 * settings.PLATFORM_CLOCK_SKEW_SECONDS
                    _state = NodeState(path, window_seconds=window)
                _state_dir = directory
    return _state

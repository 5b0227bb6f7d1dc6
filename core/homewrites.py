"""Writes the active-active data rules forbid, refused before they reach a database.

The write guard (`replication/guard.py`) raises these from the database layer, so every
path that writes — an API view, the admin, `createsuperuser`, `loaddata`, the shell —
meets the same refusal (docs/ARCHITECTURE.md#rule-7, #rule-8). Each is both a
`CommandError`, so a management command that attempts the write exits 1 with the
message and no traceback, and a `DatabaseError`, so the request path treats it as a
write that did not happen (nothing was sent to the server).
"""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import DatabaseError


class WriteRefused(CommandError, DatabaseError):
    """A write refused by the guard; nothing reached the database."""


class NotTheHome(WriteRefused):
    """Home-node data written to a database that is not the service's home."""

    def __init__(self, message: str, *, code: str, home: int) -> None:
        super().__init__(message)
        self.code, self.home = code, home


class HomeMoving(WriteRefused):
    """The service's home is being handed over (`move_home`); retry shortly."""

    retry_after = 1

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class HardDeleteRefused(WriteRefused):
    """A row other nodes may reference is never deleted: deactivate it instead."""

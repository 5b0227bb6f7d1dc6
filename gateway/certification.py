"""Galera's refusals, answered like any other conflict: a certification failure is retried.

On Galera (PLATFORM_DB_ENGINE=galera) a transaction is certified when it commits,
against every write set the cluster ordered before it: one that changed a row another
member changed meanwhile (or locked a row such a write set changes) is refused with
MariaDB error 1213, "Deadlock found…" — at its COMMIT, or at its next statement when a
replicated write set aborted it while it held locks (1305, a savepoint gone, when that
statement was a nested block's RELEASE SAVEPOINT). Either way it was rolled back and
applied nowhere: not an unknown outcome, and no reason for a 500.

An abort can also surface in a statement whose error the code around it swallows (a
lock's release, say); the statements after it then run in a new transaction, and the
request's exactly-once record, inserted by the lost one, is gone: `gateway/once.py`
checks that the record is still there before it commits, and treats its absence alike.

So `gateway/once.py` runs an unsafe request again, inside this node, from its start (the
exactly-once claim, the view, the answer), up to ATTEMPTS times. The platform's reads
wait for causality (platform_site/databases.py), so the retry sees the write that won
and answers as that write implies: a service's own 409 (the room is booked, the version
moved on), or the original answer when the winner was a copy of the same request. If
every attempt loses, the answer is 409 `conflict`, nothing applied.

A member that is not ready (cut off in a minority: error 1047) or whose causal wait gave
up (1205) applied nothing either: 503 `database_unavailable`, which clients resend.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError

from core.errors import ErrorCode
from gateway import channel
from gateway.problems import error_response

logger = logging.getLogger("platform.gateway")

ATTEMPTS = 3
DEADLOCK = 1213  # ER_LOCK_DEADLOCK: what a certification failure or a brute-force abort says
# ER_SP_DOES_NOT_EXIST: a brute-force abort between a nested block's last statement and its
# RELEASE SAVEPOINT surfaces as the savepoint being gone. Django makes its savepoints inside
# the request's transaction and nothing here commits implicitly, so a vanished savepoint
# means that transaction was rolled back: nothing applied, as with 1213.
SAVEPOINT_GONE = 1305
LOST = {DEADLOCK, SAVEPOINT_GONE}
NOT_READY = {1047, 1205}  # WSREP not ready for application use; a causal wait timed out
DETAIL = "A concurrent change on another node won; nothing of this request was applied."


class CertificationFailed(Exception):
    """This attempt's transaction lost certification and was rolled back everywhere."""


def enabled() -> bool:
    from django.conf import settings

    return settings.PLATFORM_DB_ENGINE == "galera"


def _errno(exc: BaseException) -> int | None:
    args = getattr(exc, "args", None)
    return args[0] if args and isinstance(args[0], int) else None


def is_failure(exc: BaseException) -> bool:
    """A certification failure (or a brute-force abort) on Galera."""
    return isinstance(exc, DatabaseError) and enabled() and _errno(exc) in LOST


def is_not_ready(exc: BaseException) -> bool:
    return isinstance(exc, DatabaseError) and enabled() and _errno(exc) in NOT_READY


def lost_response(request):
    """For a view's certification failure: marks the request so its attempt is retried."""
    request.certification_lost = True
    logger.info("certification failed", extra={"path": request.path_info})
    return error_response(ErrorCode.CONFLICT, detail=DETAIL)


def lost(request) -> bool:
    return getattr(request, "certification_lost", False)


def retrying(request, opened, attempt):
    """`attempt()` until it does not lose certification, at most ATTEMPTS times."""
    for number in range(1, ATTEMPTS + 1):
        request.certification_lost = False
        try:
            return attempt()
        except CertificationFailed:
            request.certification_retries = number
            logger.info(
                "certification failed, attempt %s of %s",
                number,
                ATTEMPTS,
                extra={"path": request.path_info},
            )
    request.outcome = ErrorCode.CONFLICT.value
    return channel.seal(error_response(ErrorCode.CONFLICT, detail=DETAIL), opened)

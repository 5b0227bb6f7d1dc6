"""Replay protection: each nonce is accepted once per key, across processes and nodes."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from gateway.models import SeenNonce

TABLE = SeenNonce._meta.db_table
# One statement, on every request: insert the nonce unless any node's row (replicated
# here) already holds it. Two workers of this node racing on one nonce meet the UNIQUE
# key (scope, nonce, node index), so one of them fails; rows from the other node never
# collide with this node's (their node index differs).
# The table name is the model's own, never input.
CLAIM = (
    f"INSERT INTO {TABLE} (scope, nonce, node_index, seen_at) "  # noqa: S608
    "SELECT %s, %s, %s, %s FROM (SELECT 1) AS one "
    f"WHERE NOT EXISTS (SELECT 1 FROM {TABLE} WHERE scope = %s AND nonce = %s)"
)


def key_scope(key: bytes) -> str:
    """Names a key without revealing it."""
    return hashlib.sha256(b"platform/nonce-scope/" + key).hexdigest()[:32]


DEADLOCK = 1213


def nonce_claim(*, key: bytes, nonce_b64: str) -> bool:
    """Record the nonce; False when it was seen before (here, or on a peer once replicated)."""
    try:
        return _claim(key, nonce_b64)
    except OperationalError as exc:
        # Two claims of one nonce can deadlock on the unique key; the survivor's row
        # decides, so one more try gives the true answer.
        if not exc.args or exc.args[0] != DEADLOCK or connection.in_atomic_block:
            raise
        return _claim(key, nonce_b64)


def _claim(key: bytes, nonce_b64: str) -> bool:
    scope = key_scope(key)
    seen_at = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [scope, nonce_b64, settings.PLATFORM_NODE_INDEX, seen_at, scope, nonce_b64]
    try:
        # Inside a write request's transaction a failed insert must not poison it: a
        # savepoint contains it. Outside one, autocommit needs no wrapping.
        if connection.in_atomic_block:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(CLAIM, params)
                return cursor.rowcount == 1
        with connection.cursor() as cursor:
            cursor.execute(CLAIM, params)
            return cursor.rowcount == 1
    except IntegrityError:
        return False  # another worker of this node claimed it first


def nonces_prunable():
    """Nonces this node recorded that are older than any timestamp still accepted."""
    keep = timedelta(seconds=2 * settings.PLATFORM_CLOCK_SKEW_SECONDS)
    return SeenNonce.objects.filter(
        node_index=settings.PLATFORM_NODE_INDEX, seen_at__lt=timezone.now() - keep
    )

"""Replay protection: each nonce is accepted once per key, across processes and nodes."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from gateway.models import SeenNonce


def key_scope(key: bytes) -> str:
    """Names a key without revealing it."""
    return hashlib.sha256(b"platform/nonce-scope/" + key).hexdigest()[:32]


def nonce_claim(*, key: bytes, nonce_b64: str) -> bool:
    """Record the nonce; False when it was seen before (here, or on a peer once replicated)."""
    scope = key_scope(key)
    if SeenNonce.objects.filter(scope=scope, nonce=nonce_b64).exists():
        return False
    try:
        with transaction.atomic():
            SeenNonce.objects.create(scope=scope, nonce=nonce_b64)
    except IntegrityError:
        return False  # another worker of this node claimed it first
    return True


def nonces_prunable():
    """Nonces this node recorded that are older than any timestamp still accepted."""
    keep = timedelta(seconds=2 * settings.PLATFORM_CLOCK_SKEW_SECONDS)
    return SeenNonce.objects.filter(
        node_index=settings.PLATFORM_NODE_INDEX, seen_at__lt=timezone.now() - keep
    )

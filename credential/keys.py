"""Server RSA keys: generation, rotation, retirement, and the per-process key ring.

Private keys are stored wrapped (AES-GCM) with PLATFORM_MASTER_KEY. Each process loads
the keys once and re-reads the table only when its (count, newest update) stamp changes,
checked at most once per CREDENTIAL_KEYRING_REFRESH_SECONDS, so a rotation on either
node (arriving through replication) is picked up without a restart.
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from core.activeactive import versioned_save, write_transaction
from core.crypto import atrest, envelope
from credential.audit import Kind, audit
from credential.models import ServerKey


def _context(kid: str) -> bytes:
    return b"platform/server-key/" + kid.encode()


def key_generate(*, primary: bool, private_key=None) -> ServerKey:
    """A new RSA-3072 key (or `private_key`, imported); made primary when asked."""
    private = private_key or envelope.generate_private_key()
    kid = secrets.token_hex(8)
    with write_transaction(ServerKey):
        if primary:
            for old in ServerKey.objects.select_for_update().filter(is_primary=True):
                old.is_primary = False
                versioned_save(old, fields=["is_primary"])
        key = ServerKey.objects.create(
            kid=kid,
            public_key_pem=envelope.public_key_pem(private),
            fingerprint_sha256=envelope.fingerprint_sha256(private.public_key()),
            wrapped_private_key=atrest.wrap(
                settings.PLATFORM_MASTER_KEY,
                atrest.private_key_to_der(private),
                context=_context(kid),
            ),
            is_primary=primary,
        )
    audit(Kind.KEY_CHANGED, action="generate", kid=kid, primary=primary)
    return key


def key_rotate(*, overlap: timedelta) -> tuple[ServerKey, list[ServerKey]]:
    """A new primary; the previous primaries stay accepted for `overlap`, then retire."""
    with write_transaction(ServerKey):
        previous = list(
            ServerKey.objects.select_for_update().filter(is_primary=True, retires_at__isnull=True)
        )
        new = key_generate(primary=True)
        retires_at = timezone.now() + overlap
        for old in previous:
            old.refresh_from_db()
            old.retires_at = retires_at
            versioned_save(old, fields=["retires_at"])
    for old in previous:
        audit(Kind.KEY_CHANGED, action="rotate_out", kid=old.kid, retires_at=retires_at.isoformat())
    return new, previous


def key_retire(*, kid: str) -> ServerKey:
    """Stop accepting a key now. The primary cannot be retired: rotate first."""
    with write_transaction(ServerKey):
        key = ServerKey.objects.select_for_update().get(kid=kid)
        if key.is_primary:
            raise ValueError("the primary key cannot be retired; rotate first")
        key.retires_at = timezone.now()
        versioned_save(key, fields=["retires_at"])
    audit(Kind.KEY_CHANGED, action="retire", kid=kid)
    return key


def ensure_primary_key() -> tuple[ServerKey, bool]:
    """The current primary key, made when there is none; returns (key, created)."""
    key = ServerKey.objects.filter(is_primary=True).first()
    if key is not None and key.accepted():
        return key, False
    return key_generate(primary=True), True


class KeyRing:
    """Accepted server keys of this process, with their private halves unwrapped lazily."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, ServerKey] = {}
        self._private: dict[tuple[str, int], object] = {}
        self._stamp: tuple | None = None
        self._checked = 0.0

    def refresh(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked < settings.CREDENTIAL_KEYRING_REFRESH_SECONDS:
            return
        with self._lock:
            self._checked = now
            stamp = tuple(
                ServerKey.objects.aggregate(n=Count("id"), newest=Max("updated_at")).values()
            )
            if stamp == self._stamp:
                return
            self._keys = {key.kid: key for key in ServerKey.objects.all()}
            self._stamp = stamp

    def accepted(self) -> list[ServerKey]:
        self.refresh()
        if not self._keys:
            self.refresh(force=True)  # a node's first key may be moments old
        now = timezone.now()
        keys = [key for key in self._keys.values() if key.accepted(now)]
        return sorted(keys, key=lambda k: (not k.is_primary, -k.created_at.timestamp()))

    def private_key(self, kid: str):
        """The private key for `kid` if it is accepted now, else None."""
        self.refresh()
        key = self._keys.get(kid)
        if key is None and time.monotonic() - self._checked > 0.5:
            self.refresh(force=True)  # a key made moments ago, maybe on the other node
            key = self._keys.get(kid)
        if key is None or not key.accepted():
            return None
        cache_key = (kid, key.version)
        private = self._private.get(cache_key)
        if private is None:
            der = atrest.unwrap(
                settings.PLATFORM_MASTER_KEY, bytes(key.wrapped_private_key), context=_context(kid)
            )
            private = atrest.private_key_from_der(der)
            self._private[cache_key] = private
        return private

    def clear(self) -> None:
        with self._lock:
            self._keys, self._private, self._stamp, self._checked = {}, {}, None, 0.0


keyring = KeyRing()

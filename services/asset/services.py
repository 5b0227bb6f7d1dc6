"""Writes: registering, editing, lending, taking back and retiring assets.

Every state change locks the asset row first, then checks, then writes, in one
transaction: of two concurrent checkouts the second waits for the first to commit and
then finds the asset checked out.
"""

from __future__ import annotations

import contextlib
import hashlib

from django.db import DatabaseError, connections, router
from django.utils import timezone

from core import certified
from core.activeactive import versioned_save, versioned_update, write_transaction
from services.asset.errors import AssetCode
from services.asset.models import Asset, AssetState, Checkout
from services.asset.selectors import assets_with_tag
from services.base.exceptions import ServiceError

# Below the services' default statement timeout (5 s), so a wait ends as a clear 409.
TAG_LOCK_SECONDS = 3


def asset_register(*, tag: str, name: str, category: str) -> Asset:
    with _tag_lock(tag), write_transaction(Asset):
        _ensure_tag_free(tag)
        return Asset.objects.create(tag=tag, name=name, category=category)


def asset_update(*, asset: Asset, version: int, changes: dict) -> Asset:
    tag = changes.get("tag")
    with _tag_lock(tag) if tag else contextlib.nullcontext(), write_transaction(Asset):
        locked = _lock(asset)
        if locked.state == AssetState.RETIRED:
            raise ServiceError(AssetCode.RETIRED, "A retired asset is no longer edited.")
        if tag:
            _ensure_tag_free(tag, exclude_pk=locked.pk)
        return versioned_update(locked, version=version, changes=changes)


def asset_retire(*, asset: Asset, version: int) -> Asset:
    """Take an asset out of service; it stays in the register with its history."""
    with write_transaction(Asset):
        locked = _lock(asset)
        if locked.state == AssetState.RETIRED:
            raise ServiceError(AssetCode.RETIRED, "This asset is already retired.")
        if locked.state == AssetState.CHECKED_OUT:
            raise ServiceError(AssetCode.CHECKED_OUT)
        return versioned_update(locked, version=version, changes={"state": AssetState.RETIRED})


def asset_check_out(*, asset: Asset, holder, by) -> Asset:
    """Lend the asset to `holder`: refused while it is out or once it is retired."""
    with write_transaction(Asset):
        locked = _lock(asset)
        if locked.state == AssetState.RETIRED:
            raise ServiceError(AssetCode.RETIRED, "This asset is retired.")
        if locked.state == AssetState.CHECKED_OUT:
            raise ServiceError(AssetCode.ALREADY_CHECKED_OUT)
        Checkout.objects.create(asset=locked, holder=holder, checked_out_by=by)
        return _move(locked, state=AssetState.CHECKED_OUT, holder=holder)


def asset_return(*, asset: Asset, by) -> Asset:
    """Take the asset back: its open checkout row gets `returned_at`."""
    with write_transaction(Asset):
        locked = _lock(asset)
        if locked.state != AssetState.CHECKED_OUT:
            raise ServiceError(AssetCode.NOT_CHECKED_OUT)
        for checkout in Checkout.objects.filter(asset=locked, returned_at__isnull=True):
            checkout.returned_at = timezone.now()
            checkout.returned_by = by
            versioned_save(checkout, fields=["returned_at", "returned_by"])
        return _move(locked, state=AssetState.AVAILABLE, holder=None)


def _lock(asset: Asset) -> Asset:
    return Asset.objects.select_for_update().get(pk=asset.pk)


def _move(asset: Asset, *, state: str, holder) -> Asset:
    asset.state = state
    asset.holder = holder
    return versioned_save(asset, fields=["state", "holder"])


def _ensure_tag_free(tag: str, *, exclude_pk=None) -> None:
    # Checked inside the writing transaction, under the tag lock: a check made before it
    # (by another request, or a form) may be stale by now. The lock is this database's;
    # on Galera the claim makes two members' registrations of one tag certify in turn.
    certified.claim("asset.tag." + _tag_key(tag), model=Asset)
    taken = assets_with_tag(tag, exclude_pk=exclude_pk).select_for_update()
    if taken.values_list("pk", flat=True)[:1]:
        raise ServiceError(AssetCode.TAG_IN_USE, f"An asset in service already carries tag {tag}.")


def _tag_key(tag: str) -> str:
    return hashlib.sha256(tag.casefold().encode()).hexdigest()[:40]


@contextlib.contextmanager
def _tag_lock(tag: str):
    """Make writers of one tag take turns, until after their transaction commits.

    `select_for_update()` over the assets carrying the tag locks nothing when there are
    none, and under READ COMMITTED (Django's level on MariaDB) InnoDB takes no gap
    lock, so two registrations of one new tag could both find it free. A MariaDB named
    lock closes that gap; it is released after the commit, so the next writer sees the
    row. The home-node policy sends every write to one database, where the lock holds.
    SQLite needs nothing: it takes its write lock at BEGIN (transaction_mode IMMEDIATE).
    """
    connection = connections[router.db_for_write(Asset)]  # the lock lives on the home DB
    if connection.vendor != "mysql":
        yield
        return
    name = "asset.tag." + _tag_key(tag)
    with connection.cursor() as cursor:
        cursor.execute("SELECT GET_LOCK(%s, %s)", [name, TAG_LOCK_SECONDS])
        acquired = cursor.fetchone()[0] == 1
    if not acquired:
        raise ServiceError(AssetCode.TAG_BUSY)
    try:
        yield
    finally:
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT RELEASE_LOCK(%s)", [name])

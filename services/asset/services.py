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

from platform_site.activeactive import write_transaction
from services.asset.models import Asset, AssetState, Checkout
from services.asset.selectors import assets_with_tag
from services.base.concurrency import update_versioned
from services.base.exceptions import RuleViolation

# Below the services' default statement timeout (5 s), so a wait ends as a clear 409.
TAG_LOCK_SECONDS = 3


def asset_register(*, tag: str, name: str, category: str) -> Asset:
    with _tag_lock(tag), write_transaction(Asset):
        _ensure_tag_free(tag)
        return Asset.objects.create(tag=tag, name=name, category=category)


def asset_update(*, asset: Asset, version: int, changes: dict, serializer_class) -> Asset:
    tag = changes.get("tag")
    with _tag_lock(tag) if tag else contextlib.nullcontext(), write_transaction(Asset):
        locked = _lock(asset)
        if locked.state == AssetState.RETIRED:
            raise RuleViolation("retired", "A retired asset is no longer edited.")
        if tag:
            _ensure_tag_free(tag, exclude_pk=locked.pk)
        return update_versioned(
            locked, version=version, changes=changes, serializer_class=serializer_class
        )


def asset_retire(*, asset: Asset, version: int, serializer_class) -> Asset:
    """Take an asset out of service; it stays in the register with its history."""
    with write_transaction(Asset):
        locked = _lock(asset)
        if locked.state == AssetState.RETIRED:
            raise RuleViolation("retired", "This asset is already retired.")
        if locked.state == AssetState.CHECKED_OUT:
            raise RuleViolation("checked_out", "Return the asset before retiring it.")
        return update_versioned(
            locked,
            version=version,
            changes={"state": AssetState.RETIRED},
            serializer_class=serializer_class,
        )


def asset_check_out(*, asset: Asset, holder, by) -> Asset:
    """Lend the asset to `holder`: refused while it is out or once it is retired."""
    with write_transaction(Asset):
        locked = _lock(asset)
        if locked.state == AssetState.RETIRED:
            raise RuleViolation("retired", "This asset is retired.")
        if locked.state == AssetState.CHECKED_OUT:
            raise RuleViolation(
                "already_checked_out", "This asset is checked out until it is returned."
            )
        Checkout.objects.create(asset=locked, holder=holder, checked_out_by=by)
        return _move(locked, state=AssetState.CHECKED_OUT, holder=holder)


def asset_return(*, asset: Asset, by) -> Asset:
    """Take the asset back: its open checkout row gets `returned_at`."""
    with write_transaction(Asset):
        locked = _lock(asset)
        if locked.state != AssetState.CHECKED_OUT:
            raise RuleViolation("not_checked_out", "This asset is not checked out.")
        for checkout in Checkout.objects.filter(asset=locked, returned_at__isnull=True):
            checkout.returned_at = timezone.now()
            checkout.returned_by = by
            checkout.version += 1
            checkout.save()
        return _move(locked, state=AssetState.AVAILABLE, holder=None)


def _lock(asset: Asset) -> Asset:
    return Asset.objects.select_for_update().get(pk=asset.pk)


def _move(asset: Asset, *, state: str, holder) -> Asset:
    asset.state = state
    asset.holder = holder
    asset.version += 1
    asset.save()
    return asset


def _ensure_tag_free(tag: str, *, exclude_pk=None) -> None:
    # Checked inside the writing transaction, under the tag lock: a check made before it
    # (by another request, or a form) may be stale by now.
    taken = assets_with_tag(tag, exclude_pk=exclude_pk).select_for_update()
    if taken.values_list("pk", flat=True)[:1]:
        raise RuleViolation("tag_in_use", f"An asset in service already carries tag {tag}.")


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
    name = "asset.tag." + hashlib.sha256(tag.casefold().encode()).hexdigest()[:40]
    with connection.cursor() as cursor:
        cursor.execute("SELECT GET_LOCK(%s, %s)", [name, TAG_LOCK_SECONDS])
        acquired = cursor.fetchone()[0] == 1
    if not acquired:
        raise RuleViolation("tag_busy", "This tag is being written right now; try again.")
    try:
        yield
    finally:
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT RELEASE_LOCK(%s)", [name])

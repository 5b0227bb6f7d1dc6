"""Reads: the register is visible to every caller with `read`, history included."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from services.asset.models import Asset, AssetState, Checkout


def asset_list(*, filters: dict) -> QuerySet[Asset]:
    history = Checkout.objects.select_related("holder")
    assets = Asset.objects.select_related("holder").prefetch_related(
        Prefetch("checkouts", queryset=history)
    )
    if filters.get("state"):
        assets = assets.filter(state=filters["state"])
    if filters.get("category"):
        assets = assets.filter(category__iexact=filters["category"])
    if filters.get("holder"):
        assets = assets.filter(holder_id=filters["holder"])
    if filters.get("q"):
        assets = assets.filter(Q(tag__icontains=filters["q"]) | Q(name__icontains=filters["q"]))
    return assets


def assets_with_tag(tag: str, *, exclude_pk=None) -> QuerySet[Asset]:
    """Assets not retired carrying `tag` (tags compare case-insensitively)."""
    same = Asset.objects.filter(tag__iexact=tag).exclude(state=AssetState.RETIRED)
    return same.exclude(pk=exclude_pk) if exclude_pk else same

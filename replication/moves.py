"""Moving a service's home-node writes to another node's database."""

from __future__ import annotations

from django.conf import settings

from core.activeactive import versioned_save, write_transaction
from replication.homes import homes
from replication.models import HomeChange, ServiceHome


def home_set(code: str, *, to_node: int, actor: str) -> tuple[int, int]:
    """Record `to_node` as `code`'s home; returns (from, to). Every process follows the
    table within GATEWAY_ROUTES_REFRESH_SECONDS."""
    with write_transaction(ServiceHome):
        row = ServiceHome.objects.select_for_update().filter(code=code).first()
        before = row.home_node if row else homes.home_node(code)
        if row is None:
            ServiceHome.objects.create(code=code, home_node=to_node)
        elif row.home_node != to_node:
            row.home_node = to_node
            versioned_save(row, fields=["home_node"])
        HomeChange.objects.create(
            code=code,
            from_node=before,
            to_node=to_node,
            actor=actor[:150],
            node=settings.PLATFORM_NODE,
        )
    homes.clear()
    return before, to_node

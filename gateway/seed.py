"""The routing table's seed: one row per service in the registry, made after `migrate`.

`migrate` runs on one node only (docs/ARCHITECTURE.md, data rules), so the rows are
inserted once and replicate; a row an admin has edited is never touched again.
"""

from __future__ import annotations

from core import registry


def seed_routes(*, using: str = "default", apps=None, **kwargs) -> list[str]:
    """Create the missing routes; returns the codes created."""
    from gateway.models import ServiceRoute

    created = []
    for config in registry.services():
        _, made = ServiceRoute.objects.using(using).get_or_create(
            code=config.code,
            defaults={
                "display_name": config.display_name,
                "target": config.urlconf,
                "requires_grant": config.requires_grant,
            },
        )
        if made:
            created.append(config.code)
    return created

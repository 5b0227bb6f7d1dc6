"""Migration operation a service app uses to create its row in the routing table."""

from __future__ import annotations

from django.db import migrations


def route_operation(
    code: str, display_name: str, target: str, *, requires_grant: bool = True
) -> migrations.RunPython:
    """Create the service's routing row if missing (an admin's later edits are kept)."""

    def forward(apps, schema_editor):
        ServiceRoute = apps.get_model("gateway", "ServiceRoute")
        ServiceRoute.objects.using(schema_editor.connection.alias).get_or_create(
            code=code,
            defaults={
                "display_name": display_name,
                "target": target,
                "requires_grant": requires_grant,
            },
        )

    def backward(apps, schema_editor):
        ServiceRoute = apps.get_model("gateway", "ServiceRoute")
        ServiceRoute.objects.using(schema_editor.connection.alias).filter(code=code).delete()

    return migrations.RunPython(forward, backward)

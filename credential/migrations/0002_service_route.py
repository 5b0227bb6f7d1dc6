from django.db import migrations

from gateway.migration_ops import route_operation


class Migration(migrations.Migration):
    dependencies = [
        ("credential", "0001_initial"),
        ("gateway", "0002_routechange_serviceroute"),
    ]

    operations = [
        # Self-service endpoints (login, me, sessions) need no grant.
        route_operation("credential", "Credential", "credential.urls", requires_grant=False),
    ]

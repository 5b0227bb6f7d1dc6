from django.db import migrations

from gateway.migration_ops import route_operation


class Migration(migrations.Migration):
    dependencies = [
        ("reservation", "0001_initial"),
        ("gateway", "0002_routechange_serviceroute"),
    ]

    operations = [route_operation("reservation", "Reservations", "services.reservation.urls")]

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GatewayConfig(AppConfig):
    name = "gateway"
    verbose_name = "Gateway"

    def ready(self) -> None:
        from gateway.seed import seed_routes

        post_migrate.connect(seed_routes, sender=self, dispatch_uid="gateway.seed_routes")

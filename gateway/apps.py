from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "gateway"
    verbose_name = "Gateway"

    def service_codes(self) -> list[str]:
        """Codes of the routed services that grants apply to (for superusers' grant maps)."""
        from gateway.routing import routes

        return [route.code for route in routes.all() if route.requires_grant]

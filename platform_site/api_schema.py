"""The decrypted API as one URLconf, for the OpenAPI schema only.

Requests never resolve here (the gateway routes each service through the routing
table); this lists every service under its code so drf-spectacular can describe them.
"""

from __future__ import annotations

from django.apps import apps
from django.urls import include, path

from services.base.apps import ServiceAppConfig


def _service_patterns():
    yield path("api/v1/credential/", include("credential.urls"))
    for config in apps.get_app_configs():
        if isinstance(config, ServiceAppConfig):
            yield path(f"api/v1/{config.code}/", include(f"{config.name}.urls"))


urlpatterns = list(_service_patterns())


from drf_spectacular.extensions import OpenApiAuthenticationExtension  # noqa: E402


class GatewayAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes the envelope: the schema's payloads travel encrypted (docs/PROTOCOL.md)."""

    target_class = "platform_site.api.GatewayAuthentication"
    name = "envelope"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Session-Id",
            "description": "Session from login; every body is AES-256-GCM encrypted, "
            "see docs/PROTOCOL.md.",
        }

"""The decrypted API as one URLconf, for the OpenAPI schema only.

Requests never resolve here (the gateway routes each service through the routing
table); this lists every service under its code so drf-spectacular can describe them.
"""

from __future__ import annotations

from django.urls import include, path

from core import registry


def _service_patterns():
    for config in registry.services():
        yield path(config.prefix.lstrip("/"), include(config.urlconf))


urlpatterns = list(_service_patterns())


from drf_spectacular.extensions import OpenApiAuthenticationExtension  # noqa: E402


class GatewayAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes the envelope: the schema's payloads travel encrypted (docs/PROTOCOL.md)."""

    target_class = "core.drf.GatewayAuthentication"
    name = "envelope"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Session-Id",
            "description": "Session from login; every body is AES-256-GCM encrypted, "
            "see docs/PROTOCOL.md.",
        }

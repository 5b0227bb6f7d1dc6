"""The decrypted API as one URLconf, for the OpenAPI schema only.

Requests never resolve here (the gateway routes each service through the routing
table); this lists every service under its code so drf-spectacular can describe them.
It is the schema generator's default URLconf (platform_site/openapi.py), so
`manage.py spectacular` with no options describes the whole API.
"""

from __future__ import annotations

from django.urls import include, path

from core import registry


def _service_patterns():
    for config in registry.services():
        yield path(config.prefix.lstrip("/"), include(config.urlconf))


urlpatterns = list(_service_patterns())

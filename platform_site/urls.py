"""Root URLs: the admin, health, metrics.

API paths (`/api/v1/<service>/…`) never resolve here: the gateway's routing middleware
sends each to its service's URLconf, as the routing table in the database says.
"""

from django.contrib import admin
from django.urls import path
from health_check.views import HealthCheckView

from gateway.metrics import metrics_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "health/",
        HealthCheckView.as_view(checks=["health_check.checks.Database"]),
        name="health",
    ),
    path("metrics", metrics_view, name="metrics"),
]

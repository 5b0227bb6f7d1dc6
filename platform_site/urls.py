"""Root URLs: the admin, health, metrics.

API paths (`/api/v1/<service>/…`) never resolve here: the gateway's routing middleware
sends each to its service's URLconf, as the routing table in the database says.
"""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from health_check.views import HealthCheckView
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAdminUser

from gateway.metrics import metrics_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("ops/", include("ops.urls")),
    # The load balancer's: only what should take this node out of rotation.
    path(
        "health/",
        HealthCheckView.as_view(
            checks=[
                "replication.health.DatabaseWritable",
                "credential.health.KeysLoaded",
                "replication.health.CaughtUpWithPeer",
            ]
        ),
        name="health",
    ),
    # Monitoring's: replication both ways, the peer's heartbeat, the clocks' skew.
    path(
        "health/replication/",
        HealthCheckView.as_view(
            checks=[
                "replication.health.ReplicationRunning",
                "replication.health.PeerHeartbeatFresh",
                "replication.health.ClockSkewBounded",
            ]
        ),
        name="health-replication",
    ),
    path("metrics", metrics_view, name="metrics"),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(
            urlconf="platform_site.api_schema",
            authentication_classes=[SessionAuthentication],
            permission_classes=[IsAdminUser],
        ),
        name="api-schema",
    ),
]

"""Root URLs: the front page, the admin, the operations dashboard, health, metrics,
the API schema and its browsable views.

API paths (`/api/v1/<service>/…`) never resolve here: the gateway's routing middleware
sends each to its service's URLconf, as the routing table in the database says.
"""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAdminUser

from credential.admin_login import LockoutAuthenticationForm
from credential.admin_login import login_view as admin_login_view
from gateway.metrics import metrics_view
from ops.views import home
from platform_site.health import health_view

# The admin's sign-in goes through the login lockout (credential/admin_login.py).
admin.site.login_form = LockoutAuthenticationForm

STAFF_ONLY = {
    "authentication_classes": [SessionAuthentication],
    "permission_classes": [IsAdminUser],
}
urlpatterns = [
    path("", home, name="home"),
    path("admin/login/", admin_login_view, name="admin-login"),
    path("admin/", admin.site.urls),
    path("ops/", include("ops.urls")),
    # The load balancer's: only what should take this node out of rotation. Both health
    # answers carry detail only for METRICS_ALLOWED_NETWORKS (platform_site/health.py).
    path(
        "health/",
        health_view(
            checks=[
                "replication.health.DatabaseWritable",
                "credential.health.KeysLoaded",
                "replication.health.CaughtUpWithPeer",
            ]
        ),
        name="health",
    ),
    # The balancer's last resort, used only while no node passes /health/ (both catching
    # up after a partition heals, say): this node can serve at all, stale or not.
    path(
        "health/last-resort/",
        health_view(
            checks=[
                "replication.health.DatabaseWritable",
                "credential.health.KeysLoaded",
            ]
        ),
        name="health-last-resort",
    ),
    # Monitoring's: replication both ways, the peer's heartbeat, the clocks' skew.
    path(
        "health/replication/",
        health_view(
            checks=[
                "replication.health.ReplicationRunning",
                "replication.health.PeerHeartbeatFresh",
                "replication.health.ClockSkewBounded",
            ]
        ),
        name="health-replication",
    ),
    path("metrics", metrics_view, name="metrics"),
    # The decrypted API's schema (platform_site/openapi.py) and two readers of it, for
    # staff only; their scripts come from the node (drf-spectacular-sidecar), not a CDN.
    path("api/schema/", SpectacularAPIView.as_view(**STAFF_ONLY), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", **STAFF_ONLY),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(
            url_name="api-schema", template_name="drf_spectacular/redoc_offline.html", **STAFF_ONLY
        ),
        name="api-redoc",
    ),
]

"""Root URLs: the admin, the load balancer's health endpoint, and the API."""

from django.contrib import admin
from django.urls import include, path
from health_check.views import HealthCheckView

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "health/",
        HealthCheckView.as_view(checks=["health_check.checks.Database"]),
        name="health",
    ),
    path("api/v1/credential/", include("credential.urls")),
]

"""The project's URLs plus the two baseline views; loaded only by bench.settings."""

from django.urls import path

from bench import views
from platform_site.urls import urlpatterns as platform_urlpatterns

urlpatterns = [
    *platform_urlpatterns,
    path("bench/bare/tasks/<int:task_id>/", views.bare_task, name="bench-bare-task"),
    path("bench/drf/tasks/<int:task_id>/", views.DrfTaskView.as_view(), name="bench-drf-task"),
]

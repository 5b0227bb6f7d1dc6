from django.urls import path

from services.schedule import apis

urlpatterns = [
    path("events/", apis.EventListApi.as_view()),
    path("events/<int:event_id>/", apis.EventDetailApi.as_view()),
    path("busy/", apis.BusyApi.as_view()),
]

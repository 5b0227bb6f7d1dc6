"""Schedule API: one view per resource; the rules live in services, selectors, permissions."""

from __future__ import annotations

from functools import partial

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from services.base.concurrency import expected_version
from services.base.schema import VERSION_PARAMETER, paginated
from services.base.views import ServiceAPIView, get_or_404
from services.schedule import permissions, selectors, services
from services.schedule.serializers import (
    BusyQuerySerializer,
    BusySerializer,
    EventFilterSerializer,
    EventSerializer,
    EventUpdateSerializer,
)


class ScheduleViewBase(ServiceAPIView):
    serializer_class = EventSerializer

    def event(self, request, event_id):
        visible = selectors.event_visible(user=request.user, see_all=permissions.is_admin(request))
        return get_or_404(visible, pk=event_id)

    @staticmethod
    def output(request):
        """The serializer for one event as this caller may see it (also in a 409's `current`)."""
        return partial(EventSerializer, context={"viewer": request.user})

    def render_current(self, row) -> dict:
        return self.output(self.request)(row).data


class EventListApi(ScheduleViewBase):
    @extend_schema(
        operation_id="schedule_events_list",
        parameters=[EventFilterSerializer],
        responses=paginated(EventSerializer),
    )
    def get(self, request):
        filters = EventFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        events = selectors.event_list(
            user=request.user,
            see_all=permissions.is_admin(request),
            filters=filters.validated_data,
        )
        return self.paginate(request, events, EventSerializer, viewer=request.user)

    @extend_schema(request=EventSerializer, responses={201: EventSerializer})
    def post(self, request):
        serializer = EventSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.event_create(owner=request.user, **serializer.validated_data)
        return Response(self.output(request)(event).data, status=status.HTTP_201_CREATED)


class EventDetailApi(ScheduleViewBase):
    @extend_schema(responses=EventSerializer)
    def get(self, request, event_id):
        return Response(self.output(request)(self.event(request, event_id)).data)

    @extend_schema(request=EventUpdateSerializer, responses=EventSerializer)
    def patch(self, request, event_id):
        event = self.event(request, event_id)
        serializer = EventUpdateSerializer(data=request.data, context={"event": event})
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version")
        attendees = changes.pop("attendees", ...)  # left out: the attendees stay as they are
        submitted = set(changes) | ({"attendees"} if attendees is not ... else set())
        permissions.require_edit(request, event, submitted)
        event = services.event_update(
            event=event, version=version, changes=changes, attendees=attendees
        )
        return Response(self.output(request)(event).data)

    @extend_schema(parameters=[VERSION_PARAMETER], responses={204: None})
    def delete(self, request, event_id):
        event = self.event(request, event_id)
        version = expected_version(request.query_params)
        permissions.require_edit(request, event)
        services.event_delete(event=event, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BusyApi(ScheduleViewBase):
    @extend_schema(
        operation_id="schedule_busy_retrieve",
        parameters=[BusyQuerySerializer],
        responses=BusySerializer,
    )
    def get(self, request):
        query = BusyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        user = query.validated_data.get("user", request.user)
        start, end = query.validated_data["start"], query.validated_data["end"]
        spans = selectors.busy_intervals(user=user, start=start, end=end)
        body = {
            "user": user.pk,
            "start": start,
            "end": end,
            "busy": [{"start": a, "end": b} for a, b in spans],
        }
        return Response(BusySerializer(body).data)

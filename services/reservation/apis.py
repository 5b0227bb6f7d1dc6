"""Reservation API: rooms (admin manages) and bookings (the overlap rule is in services)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from services.base.concurrency import expected_version
from services.base.schema import VERSION_PARAMETER, paginated
from services.base.views import ServiceAPIView, get_or_404
from services.reservation import permissions, selectors, services
from services.reservation.models import Booking, Room
from services.reservation.serializers import (
    BookingFilterSerializer,
    BookingSerializer,
    RoomFilterSerializer,
    RoomSerializer,
    RoomUpdateSerializer,
)


class RoomListApi(ServiceAPIView):
    serializer_class = RoomSerializer

    @extend_schema(
        operation_id="reservation_rooms_list",
        parameters=[RoomFilterSerializer],
        responses=paginated(RoomSerializer),
    )
    def get(self, request):
        filters = RoomFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rooms = selectors.room_list(filters=filters.validated_data)
        return self.paginate(request, rooms, RoomSerializer)

    @extend_schema(request=RoomSerializer, responses={201: RoomSerializer})
    def post(self, request):
        permissions.require_manage(request)
        serializer = RoomSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        room = services.room_create(**serializer.validated_data)
        return Response(RoomSerializer(room).data, status=status.HTTP_201_CREATED)


class RoomDetailApi(ServiceAPIView):
    serializer_class = RoomSerializer

    @extend_schema(responses=RoomSerializer)
    def get(self, request, room_id):
        return Response(RoomSerializer(get_or_404(Room.objects.all(), pk=room_id)).data)

    @extend_schema(request=RoomUpdateSerializer, responses=RoomSerializer)
    def patch(self, request, room_id):
        room = get_or_404(Room.objects.all(), pk=room_id)
        permissions.require_manage(request)
        serializer = RoomUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version")
        room = services.room_update(room=room, version=version, changes=changes)
        return Response(RoomSerializer(room).data)

    @extend_schema(parameters=[VERSION_PARAMETER], responses={204: None})
    def delete(self, request, room_id):
        room = get_or_404(Room.objects.all(), pk=room_id)
        permissions.require_manage(request)
        version = expected_version(request.query_params)
        services.room_delete(room=room, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BookingListApi(ServiceAPIView):
    serializer_class = BookingSerializer

    @extend_schema(
        operation_id="reservation_bookings_list",
        parameters=[BookingFilterSerializer],
        responses=paginated(BookingSerializer),
    )
    def get(self, request):
        filters = BookingFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        bookings = selectors.booking_list(user=request.user, filters=filters.validated_data)
        return self.paginate(request, bookings, BookingSerializer)

    @extend_schema(request=BookingSerializer, responses={201: BookingSerializer})
    def post(self, request):
        serializer = BookingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = services.booking_create(booker=request.user, **serializer.validated_data)
        return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)


class BookingDetailApi(ServiceAPIView):
    serializer_class = BookingSerializer

    @extend_schema(responses=BookingSerializer)
    def get(self, request, booking_id):
        return Response(BookingSerializer(_booking(booking_id)).data)


class BookingCancelApi(ServiceAPIView):
    serializer_class = BookingSerializer

    @extend_schema(request=None, responses=BookingSerializer)
    def post(self, request, booking_id):
        booking = _booking(booking_id)
        permissions.require_cancel(request, booking)
        booking = services.booking_cancel(booking=booking, by=request.user)
        return Response(BookingSerializer(booking).data)


def _booking(booking_id) -> Booking:
    return get_or_404(Booking.objects.select_related("room", "booker"), pk=booking_id)

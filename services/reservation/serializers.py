from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from services.base.serializers import (
    COMMON_FIELDS,
    AwareDateTimeField,
    ServiceModelSerializer,
)
from services.reservation.models import LONGEST_BOOKING, START_GRACE, Booking, Room

CAPACITY = {"min_value": 1, "max_value": 10000}


class RoomSerializer(ServiceModelSerializer):
    class Meta:
        model = Room
        fields = (*COMMON_FIELDS, "name", "capacity")
        read_only_fields = COMMON_FIELDS
        extra_kwargs = {"capacity": CAPACITY}


class RoomUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=100, required=False)
    capacity = serializers.IntegerField(required=False, **CAPACITY)


class RoomFilterSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, required=False)
    min_capacity = serializers.IntegerField(required=False, **CAPACITY)


class BookingSerializer(ServiceModelSerializer):
    room = serializers.PrimaryKeyRelatedField(queryset=Room.objects.all())

    class Meta:
        model = Booking
        fields = (
            *COMMON_FIELDS,
            "room",
            "booker",
            "title",
            "start",
            "end",
            "cancelled_at",
            "cancelled_by",
        )
        read_only_fields = (*COMMON_FIELDS, "booker", "cancelled_at", "cancelled_by")

    def validate(self, attrs):
        start, end = attrs["start"], attrs["end"]
        if end <= start:
            raise serializers.ValidationError({"end": ["The end must be after the start."]})
        if end - start > LONGEST_BOOKING:
            raise serializers.ValidationError({"end": ["A booking lasts at most 12 hours."]})
        if start < timezone.now() - START_GRACE:
            raise serializers.ValidationError({"start": ["The start is in the past."]})
        return attrs


class BookingFilterSerializer(serializers.Serializer):
    room = serializers.IntegerField(min_value=1, required=False)
    start = AwareDateTimeField(required=False, help_text="Bookings ending after this time.")
    end = AwareDateTimeField(required=False, help_text="Bookings starting before this time.")
    mine = serializers.BooleanField(required=False, help_text="Only the caller's bookings.")
    include_cancelled = serializers.BooleanField(required=False)

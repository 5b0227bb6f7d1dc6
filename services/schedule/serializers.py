from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from services.base.serializers import COMMON_FIELDS, AwareDateTimeField, ServiceModelSerializer
from services.schedule.models import MAX_SPAN, Event

User = get_user_model()
MAX_ATTENDEES = 200


@extend_schema_field({"type": "array", "items": {"type": "integer"}, "maxItems": MAX_ATTENDEES})
class AttendeesField(serializers.Field):
    """User ids in, user ids out (live attendee links only)."""

    default_error_messages = {
        "invalid": "Give a list of user ids.",
        "too_many": f"At most {MAX_ATTENDEES} attendees.",
        "unknown": "No such active user: {ids}.",
    }

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, event):
        return [link.user_id for link in event.attendee_links.all()]

    def to_internal_value(self, data):
        if not isinstance(data, list) or not all(_is_id(item) for item in data):
            self.fail("invalid")
        if len(data) > MAX_ATTENDEES:
            self.fail("too_many")
        users = {user.pk: user for user in User.objects.filter(pk__in=data, is_active=True)}
        missing = set(data) - set(users)
        if missing:
            self.fail("unknown", ids=", ".join(map(str, sorted(missing))))
        return {"attendees": list(users.values())}


def _is_id(item) -> bool:
    return isinstance(item, int) and not isinstance(item, bool) and 0 < item < 2**63


def check_range(start, end, *, start_field: str = "start", end_field: str = "end") -> None:
    if end <= start:
        raise serializers.ValidationError({end_field: ["The end must be after the start."]})
    if end - start > MAX_SPAN:
        raise serializers.ValidationError({end_field: ["A range may cover at most 366 days."]})


class EventSerializer(ServiceModelSerializer):
    """One event. A viewer who may only know that its owner is busy (an admin looking at
    someone's private event) gets it with `details_hidden` and its details blanked."""

    # The viewer is `context["viewer"]`; the API schema shows the docstring to clients.

    attendees = AttendeesField(required=False)
    details_hidden = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = (
            *COMMON_FIELDS,
            "owner",
            "title",
            "description",
            "start",
            "end",
            "location",
            "attendees",
            "private",
            "details_hidden",
        )
        read_only_fields = (*COMMON_FIELDS, "owner")

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_details_hidden(self, event) -> bool:
        return event.private and not event.involves(self.context.get("viewer"))

    def to_representation(self, event):
        data = super().to_representation(event)
        if data["details_hidden"]:
            data.update(title="", description="", location="", attendees=[])
        return data

    def validate(self, attrs):
        check_range(attrs["start"], attrs["end"])
        return attrs


class EventUpdateSerializer(serializers.Serializer):
    """A partial edit; `context["event"]` is the stored event, for the range check."""

    version = serializers.IntegerField(min_value=1)
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    start = AwareDateTimeField(required=False)
    end = AwareDateTimeField(required=False)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    attendees = AttendeesField(required=False)
    private = serializers.BooleanField(required=False)

    def validate(self, attrs):
        event = self.context["event"]
        check_range(attrs.get("start", event.start), attrs.get("end", event.end))
        return attrs


class RangeSerializer(serializers.Serializer):
    start = AwareDateTimeField(required=False)
    end = AwareDateTimeField(required=False)

    def validate(self, attrs):
        given = [name for name in ("start", "end") if name in attrs]
        if len(given) == 1:
            missing = "end" if given == ["start"] else "start"
            raise serializers.ValidationError({missing: ["Give both start and end, or neither."]})
        if given:
            check_range(attrs["start"], attrs["end"])
        return attrs


class EventFilterSerializer(RangeSerializer):
    owner = serializers.IntegerField(min_value=1, required=False)


class BusyQuerySerializer(RangeSerializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False
    )
    start = AwareDateTimeField()
    end = AwareDateTimeField()


class IntervalSerializer(serializers.Serializer):
    start = AwareDateTimeField()
    end = AwareDateTimeField()


class BusySerializer(serializers.Serializer):
    user = serializers.IntegerField()
    start = AwareDateTimeField()
    end = AwareDateTimeField()
    busy = IntervalSerializer(many=True)

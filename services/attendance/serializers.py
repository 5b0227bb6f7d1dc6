from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import serializers

from services.attendance.models import MAX_LEAVE_DAYS, LeaveRequest, LeaveStatus, Punch
from services.base.serializers import COMMON_FIELDS, AwareDateTimeField, ServiceModelSerializer

User = get_user_model()
active_users = User.objects.filter(is_active=True)


class PunchSerializer(serializers.ModelSerializer):
    """`created_at` is the punch time, stamped by the server."""

    created_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = Punch
        fields = ("id", "user", "kind", "recorded_by", "created_at")
        read_only_fields = ("id", "recorded_by", "created_at")
        extra_kwargs = {"user": {"required": False, "queryset": active_users}}


class DateRangeSerializer(serializers.Serializer):
    """`from` and `to` are inclusive calendar days; `from` is a keyword, hence get_fields."""

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)
        fields["to"] = serializers.DateField(required=False)
        return fields

    def validate(self, attrs):
        if attrs.get("from") and attrs.get("to") and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"to": ["The range ends before it starts."]})
        return attrs


class PunchFilterSerializer(DateRangeSerializer):
    user = serializers.IntegerField(min_value=1, required=False)


class SummaryQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False)
    user = serializers.IntegerField(min_value=1, required=False)

    def validate(self, attrs):
        attrs.setdefault("date", timezone.localdate())
        return attrs


class DailySummarySerializer(serializers.Serializer):
    user = serializers.IntegerField()
    date = serializers.DateField()
    first_in = AwareDateTimeField(allow_null=True)
    last_out = AwareDateTimeField(allow_null=True)
    worked_seconds = serializers.IntegerField()
    hours = serializers.FloatField()
    open = serializers.BooleanField(help_text="Clocked in with no clock-out after it that day.")
    punches = serializers.IntegerField()


class LeaveRequestSerializer(ServiceModelSerializer):
    class Meta:
        model = LeaveRequest
        fields = (
            *COMMON_FIELDS,
            "user",
            "start_date",
            "end_date",
            "reason",
            "status",
            "decided_by",
            "decided_at",
        )
        read_only_fields = (*COMMON_FIELDS, "user", "status", "decided_by", "decided_at")

    def validate(self, attrs):
        start, end = attrs["start_date"], attrs["end_date"]
        if end < start:
            raise serializers.ValidationError({"end_date": ["The leave ends before it starts."]})
        if end - start >= dt.timedelta(days=MAX_LEAVE_DAYS):
            raise serializers.ValidationError(
                {"end_date": [f"One request covers at most {MAX_LEAVE_DAYS} days."]}
            )
        return attrs


class LeaveDecisionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class LeaveFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=LeaveStatus.choices, required=False)
    user = serializers.IntegerField(min_value=1, required=False)

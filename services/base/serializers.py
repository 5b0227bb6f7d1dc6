"""Serializer bases: the common read-only fields, and times that must carry an offset."""

from __future__ import annotations

from rest_framework import serializers


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset (or Z); a naive time is refused, not guessed."""

    default_error_messages = {"naive": "Give the time with an offset, e.g. 2026-05-01T09:00:00Z."}

    def to_internal_value(self, value):
        if isinstance(value, str) and not _has_offset(value):
            self.fail("naive")
        return super().to_internal_value(value)


def _has_offset(text: str) -> bool:
    text = text.strip()
    if text.endswith(("Z", "z")):
        return True
    tail = text[-6:]
    return len(tail) == 6 and tail[0] in "+-" and tail[3] == ":"


class ServiceModelSerializer(serializers.ModelSerializer):
    """Output of every stored object: its fields plus id, version, created/updated."""

    def build_standard_field(self, field_name, model_field):
        from django.db import models

        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, models.DateTimeField):
            field_class = AwareDateTimeField
        return field_class, kwargs

    class Meta:
        read_only_fields = ("id", "version", "created_at", "updated_at")


COMMON_FIELDS = ("id", "version", "created_at", "updated_at")

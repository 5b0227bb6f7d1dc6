from __future__ import annotations

from django.contrib.auth.models import Group
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from services.base.serializers import COMMON_FIELDS, AwareDateTimeField, ServiceModelSerializer
from services.notice.models import Notice, ReadReceipt

EVERYONE = "everyone"
MAX_GROUPS = 50


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "enum": [EVERYONE]},
            {
                "type": "array",
                "items": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                "minItems": 1,
                "maxItems": MAX_GROUPS,
            },
        ],
        "description": "'everyone', or the groups (names or ids) the notice is addressed to.",
    }
)
class AudienceField(serializers.Field):
    """`everyone` or a list of group names/ids; inside, None (everyone) or Group objects."""

    default_error_messages = {
        "invalid": "Give 'everyone' or a list of group names or ids.",
        "empty": "Name at least one group, or 'everyone'.",
        "too_many": f"At most {MAX_GROUPS} groups.",
        "unknown": "No such group: {names}.",
    }

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, notice):
        if notice.for_everyone:
            return EVERYONE
        return [link.group.name for link in notice.audience_links.all()]

    def to_internal_value(self, data):
        if data == EVERYONE:
            return {"groups": None}
        if not isinstance(data, list) or not all(_is_group_ref(item) for item in data):
            self.fail("invalid")
        if not data:
            self.fail("empty")
        if len(data) > MAX_GROUPS:
            self.fail("too_many")
        return {"groups": _resolve_groups(self, data)}


def _is_group_ref(item) -> bool:
    if isinstance(item, bool):
        return False
    return (isinstance(item, int) and 0 < item < 2**63) or (
        isinstance(item, str) and 0 < len(item) <= 150
    )


def _resolve_groups(field: AudienceField, refs: list) -> list[Group]:
    ids = {ref for ref in refs if isinstance(ref, int)}
    names = {ref for ref in refs if isinstance(ref, str)}
    found = list(Group.objects.filter(pk__in=ids)) + list(Group.objects.filter(name__in=names))
    missing = (ids - {g.pk for g in found}) | (names - {g.name for g in found})
    if missing:
        field.fail("unknown", names=", ".join(sorted(map(str, missing))))
    return list({group.pk: group for group in found}.values())


class NoticeSerializer(ServiceModelSerializer):
    audience = AudienceField(required=False)
    read_by_me = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = (
            *COMMON_FIELDS,
            "title",
            "body",
            "audience",
            "author",
            "pinned",
            "publish_at",
            "expires_at",
            "read_by_me",
        )
        read_only_fields = (*COMMON_FIELDS, "author")

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_read_by_me(self, notice) -> bool:
        if hasattr(notice, "read_by_me"):
            return bool(notice.read_by_me)  # annotated by the list selector
        user = self.context.get("user")
        return user is not None and notice.receipts.filter(reader=user).exists()

    def validate(self, attrs):
        _check_expiry(attrs.get("publish_at"), attrs.get("expires_at"))
        return attrs


class NoticeUpdateSerializer(serializers.Serializer):
    """A partial edit; `context["notice"]` is the stored notice, for the expiry check."""

    version = serializers.IntegerField(min_value=1)
    title = serializers.CharField(max_length=200, required=False)
    body = serializers.CharField(max_length=20000, required=False)
    audience = AudienceField(required=False)
    pinned = serializers.BooleanField(required=False)
    publish_at = AwareDateTimeField(required=False)
    expires_at = AwareDateTimeField(required=False, allow_null=True)

    def validate(self, attrs):
        notice = self.context["notice"]
        _check_expiry(
            attrs.get("publish_at", notice.publish_at), attrs.get("expires_at", notice.expires_at)
        )
        return attrs


def _check_expiry(publish_at, expires_at) -> None:
    if expires_at is not None and expires_at <= (publish_at or timezone.now()):
        raise serializers.ValidationError(
            {"expires_at": ["A notice must expire after it is published."]}
        )


class NoticeFilterSerializer(serializers.Serializer):
    pinned = serializers.BooleanField(required=False, allow_null=True, default=None)
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)
    q = serializers.CharField(max_length=100, required=False)


class ReadReceiptSerializer(serializers.ModelSerializer):
    created_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = ReadReceipt
        fields = ("id", "notice", "reader", "created_at")
        read_only_fields = fields

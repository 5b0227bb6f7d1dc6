from __future__ import annotations

import base64
import binascii

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from services.base.serializers import COMMON_FIELDS, ServiceModelSerializer
from services.document import selectors
from services.document.models import File, FileVersion, Share
from services.document.services import max_file_bytes

User = get_user_model()
active_users = User.objects.filter(is_active=True)


@extend_schema_field(OpenApiTypes.BYTE)
class Base64ContentField(serializers.Field):
    """File bytes as standard base64 (RFC 4648, padded, no line breaks), within the limit."""

    default_error_messages = {
        "invalid": "Give the content as a base64 string.",
        "base64": "The content is not valid base64.",
        "too_large": "The file is larger than the limit of {limit} bytes.",
    }

    def to_internal_value(self, data) -> bytes:
        if not isinstance(data, str):
            self.fail("invalid")
        limit = max_file_bytes()
        if len(data) > 4 * -(-limit // 3):  # cannot fit: refuse before decoding
            self.fail("too_large", limit=limit)
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            self.fail("base64")
        if len(raw) > limit:
            self.fail("too_large", limit=limit)
        return raw

    def to_representation(self, value) -> str:
        return base64.b64encode(bytes(value)).decode("ascii")


class FileSerializer(ServiceModelSerializer):
    """A file's metadata with its latest version's number, size and SHA-256 (null if none)."""

    content = Base64ContentField(write_only=True, required=False)
    latest_version = serializers.IntegerField(
        source="latest_number", read_only=True, allow_null=True
    )
    size = serializers.IntegerField(source="latest_size", read_only=True, allow_null=True)
    sha256 = serializers.CharField(source="latest_sha256", read_only=True, allow_null=True)

    class Meta:
        model = File
        fields = (
            *COMMON_FIELDS,
            "name",
            "description",
            "owner",
            "latest_version",
            "size",
            "sha256",
            "content",
        )
        read_only_fields = (*COMMON_FIELDS, "owner")

    def to_representation(self, instance):
        if not hasattr(instance, "latest_number"):  # read outside file_list, e.g. after a write
            instance = selectors.file_with_latest(pk=instance.pk)
        return super().to_representation(instance)


class FileUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=255, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class FileFilterSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, required=False)
    owner = serializers.IntegerField(min_value=1, required=False)


class FileVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = FileVersion
        fields = ("id", "file", "number", "size", "sha256", "created_by", "created_at")
        read_only_fields = fields


class VersionUploadSerializer(serializers.Serializer):
    content = Base64ContentField()


class VersionContentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField(source="file.name")
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    content = Base64ContentField(source="content.data")


class FileShareSerializer(ServiceModelSerializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=active_users, required=False, allow_null=True
    )
    group = serializers.PrimaryKeyRelatedField(
        queryset=Group.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Share
        fields = (*COMMON_FIELDS, "file", "user", "group", "created_by")
        read_only_fields = (*COMMON_FIELDS, "file", "created_by")

    def validate(self, attrs):
        if (attrs.get("user") is None) == (attrs.get("group") is None):
            raise serializers.ValidationError("Give exactly one of user or group.")
        return attrs


class ShareRemoveSerializer(serializers.Serializer):
    share = serializers.IntegerField(min_value=1)
    version = serializers.IntegerField(min_value=1)

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from services.base.serializers import AwareDateTimeField
from services.message import selectors

User = get_user_model()
MAX_RECIPIENTS = 50


class MessageSerializer(serializers.Serializer):
    """A message as the caller sees it: `id` is the message's; `version`, `updated_at`
    and `read_at` belong to the caller's own mailbox row (the one DELETE and read/ change).
    """

    id = serializers.IntegerField(source="message_id", read_only=True)
    version = serializers.IntegerField(read_only=True)
    created_at = AwareDateTimeField(source="message.created_at", read_only=True)
    updated_at = AwareDateTimeField(read_only=True)
    sender = serializers.IntegerField(source="message.sender_id", read_only=True)
    recipients = serializers.SerializerMethodField()
    subject = serializers.CharField(source="message.subject", read_only=True)
    body = serializers.CharField(source="message.body", read_only=True)
    read_at = AwareDateTimeField(read_only=True, allow_null=True)
    sent = serializers.BooleanField(source="is_sender", read_only=True)
    received = serializers.BooleanField(source="is_recipient", read_only=True)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_recipients(self, delivery) -> list[int]:
        return selectors.recipient_ids(delivery)


class MessageSendSerializer(serializers.Serializer):
    recipients = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=False,
        max_length=MAX_RECIPIENTS,
    )
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=20000)

    def validate_recipients(self, ids: list[int]) -> list:
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError("Name each recipient once.")
        users = list(User.objects.filter(pk__in=ids, is_active=True))
        missing = sorted(set(ids) - {user.pk for user in users})
        if missing:
            raise serializers.ValidationError(f"No active user with id {missing}.")
        return users


class MarkReadSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class MailboxFilterSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, required=False)


class InboxFilterSerializer(MailboxFilterSerializer):
    unread = serializers.BooleanField(required=False)

"""Message API: one view per resource; the rules live in services, selectors, permissions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from services.base.concurrency import expected_version
from services.base.schema import VERSION_PARAMETER, paginated
from services.base.views import ServiceAPIView, get_or_404
from services.message import permissions, selectors, services
from services.message.serializers import (
    InboxFilterSerializer,
    MailboxFilterSerializer,
    MarkReadSerializer,
    MessageSendSerializer,
    MessageSerializer,
)


class MessageViewBase(ServiceAPIView):
    serializer_class = MessageSerializer
    box = "all"
    filter_class = MailboxFilterSerializer

    def render_current(self, row) -> dict:
        """A 409's `current` is the caller's mailbox row (a Delivery) as MessageSerializer
        renders it; that serializer is not a ModelSerializer, so the base cannot tell."""
        return MessageSerializer(row, context={"request": self.request}).data

    def delivery(self, request, message_id):
        """The caller's own row for the message: 404 if they neither sent nor received it."""
        return get_or_404(selectors.mailbox(user=request.user), message_id=message_id)

    def list_box(self, request):
        filters = self.filter_class(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = selectors.mailbox(user=request.user, box=self.box, filters=filters.validated_data)
        return self.paginate(request, rows, MessageSerializer)


class MessageListApi(MessageViewBase):
    @extend_schema(
        operation_id="message_messages_list",
        parameters=[MailboxFilterSerializer],
        responses=paginated(MessageSerializer),
    )
    def get(self, request):
        return self.list_box(request)

    @extend_schema(request=MessageSendSerializer, responses={201: MessageSerializer})
    def post(self, request):
        serializer = MessageSendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        own = services.message_send(sender=request.user, **serializer.validated_data)
        return Response(MessageSerializer(own).data, status=status.HTTP_201_CREATED)


class InboxApi(MessageViewBase):
    box = "inbox"
    filter_class = InboxFilterSerializer

    @extend_schema(
        operation_id="message_inbox_list",
        parameters=[InboxFilterSerializer],
        responses=paginated(MessageSerializer),
    )
    def get(self, request):
        return self.list_box(request)


class SentApi(MessageViewBase):
    box = "sent"

    @extend_schema(
        operation_id="message_sent_list",
        parameters=[MailboxFilterSerializer],
        responses=paginated(MessageSerializer),
    )
    def get(self, request):
        return self.list_box(request)


class MessageDetailApi(MessageViewBase):
    @extend_schema(responses=MessageSerializer)
    def get(self, request, message_id):
        return Response(MessageSerializer(self.delivery(request, message_id)).data)

    @extend_schema(parameters=[VERSION_PARAMETER], responses={204: None})
    def delete(self, request, message_id):
        delivery = self.delivery(request, message_id)
        version = expected_version(request.query_params)
        services.message_delete_for_me(delivery=delivery, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageReadApi(MessageViewBase):
    @extend_schema(request=MarkReadSerializer, responses=MessageSerializer)
    def post(self, request, message_id):
        delivery = self.delivery(request, message_id)
        serializer = MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        permissions.require_mark_read(request, delivery)
        delivery = services.message_mark_read(
            delivery=delivery, version=serializer.validated_data["version"]
        )
        return Response(MessageSerializer(delivery).data)

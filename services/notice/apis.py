"""Notice API: one view per resource; the rules live in services, selectors, permissions."""

from __future__ import annotations

from functools import partial

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from services.base.concurrency import expected_version
from services.base.schema import VERSION_PARAMETER, paginated
from services.base.views import ServiceAPIView, get_or_404
from services.notice import permissions, selectors, services
from services.notice.serializers import (
    NoticeFilterSerializer,
    NoticeSerializer,
    NoticeUpdateSerializer,
    ReadReceiptSerializer,
)


class NoticeViewBase(ServiceAPIView):
    serializer_class = NoticeSerializer

    def notice(self, request, notice_id):
        visible = selectors.notice_list(
            user=request.user, see_all=permissions.is_admin(request), filters={}
        )
        return get_or_404(visible, pk=notice_id)

    @staticmethod
    def output(request):
        """The serializer for one notice as this caller sees it (also in a 409's `current`)."""
        return partial(NoticeSerializer, context={"user": request.user})

    def render_current(self, row) -> dict:
        return self.output(self.request)(row).data


class NoticeListApi(NoticeViewBase):
    @extend_schema(
        operation_id="notice_notices_list",
        parameters=[NoticeFilterSerializer],
        responses=paginated(NoticeSerializer),
    )
    def get(self, request):
        filters = NoticeFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        notices = selectors.notice_list(
            user=request.user,
            see_all=permissions.is_admin(request),
            filters=filters.validated_data,
        )
        return self.paginate(request, notices, NoticeSerializer, user=request.user)

    @extend_schema(request=NoticeSerializer, responses={201: NoticeSerializer})
    def post(self, request):
        serializer = NoticeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        notice = services.notice_create(author=request.user, **serializer.validated_data)
        return Response(self.output(request)(notice).data, status=status.HTTP_201_CREATED)


class NoticeDetailApi(NoticeViewBase):
    @extend_schema(responses=NoticeSerializer)
    def get(self, request, notice_id):
        return Response(self.output(request)(self.notice(request, notice_id)).data)

    @extend_schema(request=NoticeUpdateSerializer, responses=NoticeSerializer)
    def patch(self, request, notice_id):
        notice = self.notice(request, notice_id)
        serializer = NoticeUpdateSerializer(data=request.data, context={"notice": notice})
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version")
        groups = changes.pop("groups", ...)  # left out: the audience stays as it is
        permissions.require_edit(request, notice)
        notice = services.notice_update(
            notice=notice, version=version, changes=changes, groups=groups
        )
        return Response(self.output(request)(notice).data)

    @extend_schema(parameters=[VERSION_PARAMETER], responses={204: None})
    def delete(self, request, notice_id):
        notice = self.notice(request, notice_id)
        version = expected_version(request.query_params)
        permissions.require_edit(request, notice)
        services.notice_delete(notice=notice, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NoticeReadApi(NoticeViewBase):
    permission_classes = [permissions.ReadGrant]

    @extend_schema(request=None, responses={200: ReadReceiptSerializer, 201: ReadReceiptSerializer})
    def post(self, request, notice_id):
        notice = self.notice(request, notice_id)
        receipt, created = services.notice_mark_read(notice=notice, reader=request.user)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(ReadReceiptSerializer(receipt).data, status=code)

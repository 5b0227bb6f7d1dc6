"""Approval API: documents, and the approve / reject / withdraw actions on them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from services.approval import permissions, selectors, services
from services.approval.serializers import (
    ApprovalActSerializer,
    ApprovalDocumentSerializer,
    ApprovalFilterSerializer,
    ApprovalSubmitSerializer,
)
from services.base.schema import paginated
from services.base.views import ServiceAPIView, get_or_404


class ApprovalViewBase(ServiceAPIView):
    serializer_class = ApprovalDocumentSerializer

    def document(self, request, document_id):
        visible = selectors.document_list(
            user=request.user, see_all=permissions.is_admin(request), filters={}
        )
        return get_or_404(visible, pk=document_id)


class DocumentListApi(ApprovalViewBase):
    @extend_schema(
        operation_id="approval_documents_list",
        parameters=[ApprovalFilterSerializer],
        responses=paginated(ApprovalDocumentSerializer),
    )
    def get(self, request):
        filters = ApprovalFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        documents = selectors.document_list(
            user=request.user,
            see_all=permissions.is_admin(request),
            filters=filters.validated_data,
        )
        return self.paginate(request, documents, ApprovalDocumentSerializer)

    @extend_schema(request=ApprovalSubmitSerializer, responses={201: ApprovalDocumentSerializer})
    def post(self, request):
        serializer = ApprovalSubmitSerializer(data=request.data, context={"drafter": request.user})
        serializer.is_valid(raise_exception=True)
        document = services.document_submit(drafter=request.user, **serializer.validated_data)
        return Response(
            ApprovalDocumentSerializer(self.document(request, document.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class DocumentDetailApi(ApprovalViewBase):
    @extend_schema(responses=ApprovalDocumentSerializer)
    def get(self, request, document_id):
        return Response(ApprovalDocumentSerializer(self.document(request, document_id)).data)


class DocumentActionApi(ApprovalViewBase):
    """approve/, reject/ and withdraw/: `act` is the service function."""

    act = None

    @extend_schema(request=ApprovalActSerializer, responses=ApprovalDocumentSerializer)
    def post(self, request, document_id):
        document = self.document(request, document_id)
        serializer = ApprovalActSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.act(document=document, actor=request.user, **serializer.validated_data)
        return Response(ApprovalDocumentSerializer(self.document(request, document_id)).data)


class DocumentApproveApi(DocumentActionApi):
    act = staticmethod(services.document_approve)


class DocumentRejectApi(DocumentActionApi):
    act = staticmethod(services.document_reject)


class DocumentWithdrawApi(DocumentActionApi):
    act = staticmethod(services.document_withdraw)

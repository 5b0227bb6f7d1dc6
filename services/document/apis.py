"""Document API: one view per resource; the rules live in services, selectors, permissions."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from services.base.concurrency import expected_version
from services.base.schema import VERSION_PARAMETER, paginated
from services.base.views import ServiceAPIView, get_or_404
from services.document import permissions, selectors, services
from services.document.serializers import (
    FileFilterSerializer,
    FileSerializer,
    FileShareSerializer,
    FileUpdateSerializer,
    FileVersionSerializer,
    ShareRemoveSerializer,
    VersionContentSerializer,
    VersionUploadSerializer,
)


class FileViewBase(ServiceAPIView):
    serializer_class = FileSerializer

    def file(self, request, file_id):
        visible = selectors.file_list(
            user=request.user, see_all=permissions.is_admin(request), filters={}
        )
        return get_or_404(visible, pk=file_id)

    def managed_file(self, request, file_id, action: str):
        """A file the caller sees (else 404) and may manage (else 403)."""
        file = self.file(request, file_id)
        permissions.require_manage(request, file, action)
        return file


class FileListApi(FileViewBase):
    @extend_schema(
        operation_id="document_files_list",
        parameters=[FileFilterSerializer],
        responses=paginated(FileSerializer),
    )
    def get(self, request):
        filters = FileFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        files = selectors.file_list(
            user=request.user,
            see_all=permissions.is_admin(request),
            filters=filters.validated_data,
        )
        return self.paginate(request, files, FileSerializer)

    @extend_schema(request=FileSerializer, responses={201: FileSerializer})
    def post(self, request):
        serializer = FileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        file = services.file_create(owner=request.user, **serializer.validated_data)
        return Response(FileSerializer(file).data, status=status.HTTP_201_CREATED)


class FileDetailApi(FileViewBase):
    @extend_schema(responses=FileSerializer)
    def get(self, request, file_id):
        return Response(FileSerializer(self.file(request, file_id)).data)

    @extend_schema(request=FileUpdateSerializer, responses=FileSerializer)
    def patch(self, request, file_id):
        file = self.file(request, file_id)
        serializer = FileUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version")
        permissions.require_manage(request, file, "edits a file")
        file = services.file_update(file=file, version=version, changes=changes)
        return Response(FileSerializer(file).data)

    @extend_schema(parameters=[VERSION_PARAMETER], responses={204: None})
    def delete(self, request, file_id):
        file = self.file(request, file_id)
        version = expected_version(request.query_params)
        permissions.require_manage(request, file, "deletes a file")
        services.file_delete(file=file, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FileVersionsApi(FileViewBase):
    serializer_class = FileVersionSerializer

    @extend_schema(
        operation_id="document_versions_list", responses=paginated(FileVersionSerializer)
    )
    def get(self, request, file_id):
        file = self.file(request, file_id)
        return self.paginate(request, selectors.version_list(file=file), FileVersionSerializer)

    @extend_schema(request=VersionUploadSerializer, responses={201: FileVersionSerializer})
    def post(self, request, file_id):
        file = self.managed_file(request, file_id, "uploads a new version")
        serializer = VersionUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        added = services.version_add(
            file=file, created_by=request.user, content=serializer.validated_data["content"]
        )
        return Response(FileVersionSerializer(added).data, status=status.HTTP_201_CREATED)


class FileVersionContentApi(FileViewBase):
    serializer_class = VersionContentSerializer

    @extend_schema(responses=VersionContentSerializer)
    def get(self, request, file_id, number):
        file = self.file(request, file_id)
        found = selectors.version_get(file=file, number=number)
        if found is None:
            raise Http404
        return Response(VersionContentSerializer(found).data)


class FileSharesApi(FileViewBase):
    serializer_class = FileShareSerializer

    @extend_schema(operation_id="document_shares_list", responses=paginated(FileShareSerializer))
    def get(self, request, file_id):
        file = self.file(request, file_id)
        return self.paginate(request, selectors.share_list(file=file), FileShareSerializer)

    @extend_schema(request=FileShareSerializer, responses={201: FileShareSerializer})
    def post(self, request, file_id):
        file = self.managed_file(request, file_id, "shares a file")
        serializer = FileShareSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        share = services.share_add(file=file, created_by=request.user, **serializer.validated_data)
        return Response(FileShareSerializer(share).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[ShareRemoveSerializer], responses={204: None})
    def delete(self, request, file_id):
        file = self.managed_file(request, file_id, "removes a share")
        query = ShareRemoveSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        share = get_or_404(selectors.share_list(file=file), pk=query.validated_data["share"])
        services.share_remove(share=share, version=query.validated_data["version"])
        return Response(status=status.HTTP_204_NO_CONTENT)

"""Directory API: one view per resource; the rules live in services, selectors, permissions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from services.base.concurrency import expected_version
from services.base.schema import VERSION_PARAMETER, paginated
from services.base.views import ServiceAPIView, get_or_404
from services.directory import permissions, selectors, services
from services.directory.serializers import (
    DepartmentFilterSerializer,
    DepartmentSerializer,
    DepartmentUpdateSerializer,
    PersonFilterSerializer,
    PersonSerializer,
    PersonUpdateSerializer,
)


class DepartmentListApi(ServiceAPIView):
    serializer_class = DepartmentSerializer

    @extend_schema(
        operation_id="directory_departments_list",
        parameters=[DepartmentFilterSerializer],
        responses=paginated(DepartmentSerializer),
    )
    def get(self, request):
        filters = DepartmentFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        departments = selectors.department_list(filters=filters.validated_data)
        return self.paginate(request, departments, DepartmentSerializer)

    @extend_schema(request=DepartmentSerializer, responses={201: DepartmentSerializer})
    def post(self, request):
        permissions.require_admin(request)
        serializer = DepartmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        department = services.department_create(**serializer.validated_data)
        return Response(DepartmentSerializer(department).data, status=status.HTTP_201_CREATED)


class DepartmentDetailApi(ServiceAPIView):
    serializer_class = DepartmentSerializer

    def department(self, department_id):
        return get_or_404(selectors.department_list(filters={}), pk=department_id)

    @extend_schema(responses=DepartmentSerializer)
    def get(self, request, department_id):
        return Response(DepartmentSerializer(self.department(department_id)).data)

    @extend_schema(request=DepartmentUpdateSerializer, responses=DepartmentSerializer)
    def patch(self, request, department_id):
        department = self.department(department_id)
        permissions.require_admin(request)
        serializer = DepartmentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        department = services.department_update(
            department=department, version=changes.pop("version"), changes=changes
        )
        return Response(DepartmentSerializer(department).data)

    @extend_schema(parameters=[VERSION_PARAMETER], responses={204: None})
    def delete(self, request, department_id):
        department = self.department(department_id)
        permissions.require_admin(request)
        version = expected_version(request.query_params)
        services.department_delete(department=department, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PersonListApi(ServiceAPIView):
    serializer_class = PersonSerializer

    @extend_schema(
        operation_id="directory_people_list",
        parameters=[PersonFilterSerializer],
        responses=paginated(PersonSerializer),
    )
    def get(self, request):
        filters = PersonFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        people = selectors.person_list(filters=filters.validated_data)
        return self.paginate(request, people, PersonSerializer)

    @extend_schema(request=PersonSerializer, responses={201: PersonSerializer})
    def post(self, request):
        permissions.require_admin(request)
        serializer = PersonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        profile = services.person_create(**serializer.validated_data)
        return Response(PersonSerializer(profile).data, status=status.HTTP_201_CREATED)


class PersonDetailApi(ServiceAPIView):
    serializer_class = PersonSerializer

    def profile(self, person_id):
        return get_or_404(selectors.person_list(filters={}), pk=person_id)

    @extend_schema(responses=PersonSerializer)
    def get(self, request, person_id):
        return Response(PersonSerializer(self.profile(person_id)).data)

    @extend_schema(request=PersonUpdateSerializer, responses=PersonSerializer)
    def patch(self, request, person_id):
        profile = self.profile(person_id)
        submitted = set(request.data) if isinstance(request.data, dict) else set()
        permissions.require_profile_edit(request, profile, submitted)
        serializer = PersonUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        profile = services.person_update(
            profile=profile, version=changes.pop("version"), changes=changes
        )
        return Response(PersonSerializer(profile).data)

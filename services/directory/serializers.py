from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from services.base.serializers import COMMON_FIELDS, ServiceModelSerializer
from services.directory.models import Department, StaffProfile, phone_number

User = get_user_model()
active_users = User.objects.filter(is_active=True)
live_departments = Department.objects.all()


class DepartmentSerializer(ServiceModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(
        queryset=live_departments, required=False, allow_null=True
    )

    class Meta:
        model = Department
        fields = (*COMMON_FIELDS, "name", "parent")
        read_only_fields = COMMON_FIELDS


class DepartmentUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=200, required=False)
    parent = serializers.PrimaryKeyRelatedField(
        queryset=live_departments, required=False, allow_null=True
    )


class DepartmentFilterSerializer(serializers.Serializer):
    parent = serializers.IntegerField(min_value=1, required=False)
    root = serializers.BooleanField(required=False, default=False)
    q = serializers.CharField(max_length=100, required=False)


class PersonSerializer(ServiceModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=active_users)
    department = serializers.PrimaryKeyRelatedField(
        queryset=live_departments, required=False, allow_null=True
    )
    department_name = serializers.CharField(
        source="department.name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = StaffProfile
        fields = (
            *COMMON_FIELDS,
            "user",
            "display_name",
            "title",
            "department",
            "department_name",
            "phone",
            "email",
        )
        read_only_fields = COMMON_FIELDS


class PersonUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    display_name = serializers.CharField(max_length=200, required=False)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    department = serializers.PrimaryKeyRelatedField(
        queryset=live_departments, required=False, allow_null=True
    )
    phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, validators=[phone_number]
    )
    email = serializers.EmailField(required=False, allow_blank=True)


class PersonFilterSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, required=False)
    department = serializers.IntegerField(min_value=1, required=False)
    user = serializers.IntegerField(min_value=1, required=False)

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from services.base.serializers import COMMON_FIELDS, ServiceModelSerializer
from services.task.models import Comment, Status, Task

User = get_user_model()
active_users = User.objects.filter(is_active=True)


class TaskSerializer(ServiceModelSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=active_users, required=False, allow_null=True
    )

    class Meta:
        model = Task
        fields = (
            *COMMON_FIELDS,
            "title",
            "description",
            "creator",
            "assignee",
            "due_date",
            "status",
        )
        read_only_fields = (*COMMON_FIELDS, "creator", "status")


class TaskUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=active_users, required=False, allow_null=True
    )
    due_date = serializers.DateField(required=False, allow_null=True)


class TransitionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    to = serializers.ChoiceField(choices=Status.choices)


class TaskFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    assignee = serializers.IntegerField(min_value=1, required=False)
    mine = serializers.ChoiceField(choices=["created", "assigned"], required=False)
    q = serializers.CharField(max_length=100, required=False)


class CommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Comment
        fields = ("id", "task", "author", "body", "created_at")
        read_only_fields = ("id", "task", "author", "created_at")

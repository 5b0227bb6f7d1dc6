from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from services.approval.models import MAX_APPROVERS, Action, Document, DocumentState, Step
from services.base.serializers import COMMON_FIELDS, ServiceModelSerializer

User = get_user_model()


class ApprovalStepSerializer(ServiceModelSerializer):
    class Meta:
        model = Step
        fields = (*COMMON_FIELDS, "order", "approver", "outcome", "decided_at", "comment")
        read_only_fields = fields


class ApprovalActionSerializer(ServiceModelSerializer):
    class Meta:
        model = Action
        fields = ("id", "created_at", "actor", "action", "step", "comment")
        read_only_fields = fields


class ApprovalDocumentSerializer(ServiceModelSerializer):
    """A document with its steps (in order) and its whole history (oldest first)."""

    current_approver = serializers.SerializerMethodField(
        help_text="Whose turn it is; null once the document is no longer pending."
    )
    steps = ApprovalStepSerializer(many=True, read_only=True)
    history = ApprovalActionSerializer(many=True, read_only=True, source="actions")

    class Meta:
        model = Document
        fields = (
            *COMMON_FIELDS,
            "title",
            "body",
            "drafter",
            "state",
            "current_approver",
            "steps",
            "history",
        )
        read_only_fields = fields

    def get_current_approver(self, document) -> int | None:
        if document.state != DocumentState.PENDING:
            return None
        undecided = [s for s in document.steps.all() if not s.outcome]
        return min(undecided, key=lambda s: s.order).approver_id if undecided else None


class ApproverLineField(serializers.ListField):
    """An ordered list of user ids; its length is checked before any id is looked up."""

    child = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))

    def to_internal_value(self, data):
        if isinstance(data, list) and not 1 <= len(data) <= MAX_APPROVERS:
            raise serializers.ValidationError(f"Give 1 to {MAX_APPROVERS} approvers.")
        return super().to_internal_value(data)


class ApprovalSubmitSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    approvers = ApproverLineField(help_text="User ids, in the order they act.")

    def validate_approvers(self, approvers):
        if len({user.pk for user in approvers}) != len(approvers):
            raise serializers.ValidationError("Each approver appears once in the line.")
        if any(user.pk == self.context["drafter"].pk for user in approvers):
            raise serializers.ValidationError("The drafter cannot approve their own document.")
        return approvers


class ApprovalActSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The document's version you read.")
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ApprovalFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=DocumentState.choices, required=False)
    role = serializers.ChoiceField(choices=["drafter", "approver"], required=False)
    awaiting_me = serializers.BooleanField(
        required=False, help_text="Only pending documents whose current step is mine."
    )

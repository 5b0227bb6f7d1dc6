from django.contrib import admin

from core.admin import NoHardDeleteMixin, ShownInlineMixin
from services.approval.models import Action, Document, Step


class StepInline(ShownInlineMixin, admin.TabularInline):
    model = Step
    fields = ("order", "approver", "outcome", "decided_at", "comment")
    readonly_fields = fields


class ActionInline(ShownInlineMixin, admin.TabularInline):
    model = Action
    fields = ("created_at", "actor", "action", "step", "comment")
    readonly_fields = fields


@admin.register(Document)
class DocumentAdmin(NoHardDeleteMixin, admin.ModelAdmin):
    """Read-mostly: decisions are made through the API, which enforces the turn order."""

    list_display = ("title", "drafter", "state", "created_at", "updated_at")
    list_filter = ("state",)
    search_fields = ("title", "drafter__username")
    list_select_related = ("drafter",)
    readonly_fields = ("drafter", "state", "version", "created_at", "updated_at", "origin_node")
    inlines = [StepInline, ActionInline]

    def has_add_permission(self, request) -> bool:
        return False  # a document needs its approver line, which only the API builds

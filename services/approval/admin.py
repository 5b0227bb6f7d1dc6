from django.contrib import admin

from services.approval.models import Action, Document, Step


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    can_delete = False
    fields = ("order", "approver", "outcome", "decided_at", "comment")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "action", "step", "comment")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    """Read-mostly: decisions are made through the API, which enforces the turn order."""

    list_display = ("title", "drafter", "state", "created_at", "updated_at")
    list_filter = ("state",)
    search_fields = ("title", "drafter__username")
    list_select_related = ("drafter",)
    readonly_fields = ("drafter", "state", "version", "created_at", "updated_at", "origin_node")
    inlines = [StepInline, ActionInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

from django.contrib import admin

from services.message.models import Delivery, Message


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("person", "is_sender", "is_recipient", "read_at", "deleted_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return Delivery.all_objects.all()  # rows deleted for oneself are still part of the story


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Read-only: messages are append-only, and their mailbox rows belong to their people."""

    list_display = ("subject", "sender", "created_at")
    search_fields = ("subject", "sender__username")
    date_hierarchy = "created_at"
    fields = ("sender", "subject", "body", "created_at", "origin_node")
    readonly_fields = fields
    inlines = [DeliveryInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

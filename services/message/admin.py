from django.contrib import admin

from core.admin import ReadOnlyAdminMixin, ShownInlineMixin
from services.message.models import Delivery, Message


class DeliveryInline(ShownInlineMixin, admin.TabularInline):
    model = Delivery
    fields = ("person", "is_sender", "is_recipient", "read_at", "deleted_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return Delivery.all_objects.all()  # rows deleted for oneself are still part of the story


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Messages are append-only, and their mailbox rows belong to their people."""

    list_display = ("subject", "sender", "created_at")
    search_fields = ("subject", "sender__username")
    date_hierarchy = "created_at"
    fields = ("sender", "subject", "body", "created_at", "origin_node")
    readonly_fields = fields
    inlines = [DeliveryInline]

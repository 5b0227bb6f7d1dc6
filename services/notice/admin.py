from django.contrib import admin

from core.admin import NoHardDeleteMixin, ReadOnlyAdminMixin, ShownInlineMixin
from services.notice.models import Notice, NoticeAudience, ReadReceipt


class AudienceInline(admin.TabularInline):
    model = NoticeAudience
    extra = 0
    can_delete = False  # links are soft-deleted by the service, never removed
    fields = ("group", "deleted_at")
    readonly_fields = ("deleted_at",)


class ReceiptInline(ReadOnlyAdminMixin, ShownInlineMixin, admin.TabularInline):
    model = ReadReceipt
    readonly_fields = ("reader", "created_at")


@admin.register(Notice)
class NoticeAdmin(NoHardDeleteMixin, admin.ModelAdmin):
    list_display = ("title", "author", "for_everyone", "pinned", "publish_at", "expires_at")
    list_filter = ("pinned", "for_everyone")
    search_fields = ("title", "body", "author__username")
    date_hierarchy = "publish_at"
    readonly_fields = ("version", "created_at", "updated_at", "origin_node", "deleted_at")
    inlines = [AudienceInline, ReceiptInline]


@admin.register(ReadReceipt)
class ReadReceiptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("notice", "reader", "created_at")
    search_fields = ("notice__title", "reader__username")
    readonly_fields = ("notice", "reader", "created_at", "origin_node")

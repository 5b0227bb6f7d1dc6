from django.contrib import admin

from core.admin import NoHardDeleteMixin, ReadOnlyAdminMixin, ShownInlineMixin
from services.document.models import File, FileVersion, Share


class FileVersionInline(ShownInlineMixin, admin.TabularInline):
    model = FileVersion
    fields = ("number", "size", "sha256", "created_by", "created_at")
    readonly_fields = fields


class ShareInline(ShownInlineMixin, admin.TabularInline):
    """Revoking a share is a soft delete, done through the API."""

    model = Share
    fields = ("user", "group", "created_by", "created_at")
    readonly_fields = fields


@admin.register(File)
class FileAdmin(NoHardDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "owner", "updated_at", "deleted_at")
    list_filter = (("deleted_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "description", "owner__username")
    readonly_fields = ("owner", "version", "created_at", "updated_at", "origin_node", "deleted_at")
    inlines = [FileVersionInline, ShareInline]

    def get_queryset(self, request):
        return File.all_objects.all()  # deleted files too, so an operator can find them


@admin.register(FileVersion)
class FileVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Versions are append-only, and their bytes stay out of the admin."""

    list_display = ("file", "number", "size", "sha256", "created_by", "created_at")
    search_fields = ("file__name", "sha256", "created_by__username")
    fields = ("file", "number", "size", "sha256", "created_by", "created_at", "origin_node")
    readonly_fields = fields

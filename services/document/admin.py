from django.contrib import admin

from services.document.models import File, FileVersion, Share


class FileVersionInline(admin.TabularInline):
    model = FileVersion
    extra = 0
    can_delete = False
    fields = ("number", "size", "sha256", "created_by", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ShareInline(admin.TabularInline):
    model = Share
    extra = 0
    can_delete = False  # revoking is a soft delete, done through the API
    fields = ("user", "group", "created_by", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(File)
class FileAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "updated_at", "deleted_at")
    list_filter = (("deleted_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "description", "owner__username")
    readonly_fields = ("owner", "version", "created_at", "updated_at", "origin_node", "deleted_at")
    inlines = [FileVersionInline, ShareInline]

    def get_queryset(self, request):
        return File.all_objects.all()  # deleted files too, so an operator can find them

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deletion is soft, through the API: a hard delete would stop replication


@admin.register(FileVersion)
class FileVersionAdmin(admin.ModelAdmin):
    """Read-only: versions are append-only, and their bytes stay out of the admin."""

    list_display = ("file", "number", "size", "sha256", "created_by", "created_at")
    search_fields = ("file__name", "sha256", "created_by__username")
    fields = ("file", "number", "size", "sha256", "created_by", "created_at", "origin_node")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

from django.contrib import admin

from services.task.models import Comment, Task


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    can_delete = False
    readonly_fields = ("author", "body", "created_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "creator", "assignee", "due_date", "updated_at")
    list_filter = ("status",)
    search_fields = ("title", "creator__username", "assignee__username")
    readonly_fields = ("version", "created_at", "updated_at", "origin_node")
    inlines = [CommentInline]

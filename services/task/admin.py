from django.contrib import admin

from core.admin import NoHardDeleteMixin, ShownInlineMixin
from services.task.models import Comment, Task


class CommentInline(ShownInlineMixin, admin.TabularInline):
    model = Comment
    readonly_fields = ("author", "body", "created_at")


@admin.register(Task)
class TaskAdmin(NoHardDeleteMixin, admin.ModelAdmin):
    list_display = ("title", "status", "creator", "assignee", "due_date", "updated_at")
    list_filter = ("status",)
    search_fields = ("title", "creator__username", "assignee__username")
    readonly_fields = ("version", "created_at", "updated_at", "origin_node")
    inlines = [CommentInline]

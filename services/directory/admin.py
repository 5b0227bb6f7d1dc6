from django.contrib import admin

from core.admin import NoHardDeleteMixin
from services.directory.models import Department, StaffProfile

READ_ONLY = ("version", "created_at", "updated_at", "origin_node", "deleted_at")


@admin.register(Department)
class DepartmentAdmin(NoHardDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "parent", "updated_at")
    list_filter = ("parent",)
    search_fields = ("name",)
    readonly_fields = READ_ONLY


@admin.register(StaffProfile)
class StaffProfileAdmin(NoHardDeleteMixin, admin.ModelAdmin):
    list_display = ("display_name", "title", "department", "email", "phone", "user")
    list_filter = ("department",)
    search_fields = ("display_name", "title", "email", "phone", "user__username")
    list_select_related = ("department", "user")
    readonly_fields = READ_ONLY
    autocomplete_fields = ("department",)

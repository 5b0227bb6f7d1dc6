from django.contrib import admin

from core.admin import NoHardDeleteMixin, ReadOnlyAdminMixin
from services.attendance.models import LeaveRequest, Punch


@admin.register(Punch)
class PunchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Punches are append-only; a missed punch is corrected by adding one."""

    list_display = ("user", "kind", "created_at", "recorded_by")
    list_filter = ("kind",)
    search_fields = ("user__username",)
    date_hierarchy = "created_at"
    fields = ("user", "kind", "created_at", "recorded_by", "origin_node")
    readonly_fields = fields


@admin.register(LeaveRequest)
class LeaveRequestAdmin(NoHardDeleteMixin, admin.ModelAdmin):
    """Requests are kept: a hard delete would stop replication."""

    list_display = ("user", "start_date", "end_date", "status", "decided_by", "updated_at")
    list_filter = ("status",)
    search_fields = ("user__username", "reason")
    date_hierarchy = "start_date"
    readonly_fields = (
        "user",
        "status",
        "decided_by",
        "decided_at",
        "version",
        "created_at",
        "updated_at",
        "origin_node",
    )

from django.contrib import admin

from services.attendance.models import LeaveRequest, Punch


@admin.register(Punch)
class PunchAdmin(admin.ModelAdmin):
    """Read-only: punches are append-only; a missed punch is corrected by adding one."""

    list_display = ("user", "kind", "created_at", "recorded_by")
    list_filter = ("kind",)
    search_fields = ("user__username",)
    date_hierarchy = "created_at"
    fields = ("user", "kind", "created_at", "recorded_by", "origin_node")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LeaveRequest)
class LeaveRequestAdmin(admin.ModelAdmin):
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

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # requests are kept: a hard delete would stop replication

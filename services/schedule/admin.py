from django.contrib import admin

from core.admin import NoHardDeleteMixin
from services.schedule.models import Event, EventAttendee


class AttendeeInline(admin.TabularInline):
    model = EventAttendee
    extra = 0
    can_delete = False  # links are soft-deleted by the service, never removed
    fields = ("user", "deleted_at")
    readonly_fields = ("deleted_at",)
    raw_id_fields = ("user",)


@admin.register(Event)
class EventAdmin(NoHardDeleteMixin, admin.ModelAdmin):
    list_display = ("title", "owner", "start", "end", "location", "private")
    list_filter = ("private",)
    search_fields = ("title", "location", "owner__username")
    date_hierarchy = "start"
    list_select_related = ("owner",)
    readonly_fields = ("version", "created_at", "updated_at", "origin_node", "deleted_at")
    inlines = [AttendeeInline]

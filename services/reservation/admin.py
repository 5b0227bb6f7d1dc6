from django.contrib import admin

from core.admin import NoHardDeleteMixin
from services.reservation.models import Booking, Room


@admin.register(Room)
class RoomAdmin(NoHardDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "capacity", "deleted_at", "updated_at")
    list_filter = (("deleted_at", admin.EmptyFieldListFilter),)
    search_fields = ("name",)
    readonly_fields = ("version", "created_at", "updated_at", "origin_node", "deleted_at")

    def get_queryset(self, request):
        return Room.all_objects.all()


@admin.register(Booking)
class BookingAdmin(NoHardDeleteMixin, admin.ModelAdmin):
    """Bookings are made through the API, which enforces the no-overlap rule."""

    list_display = ("room", "start", "end", "booker", "title", "cancelled_at")
    list_filter = ("room", ("cancelled_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "booker__username", "room__name")
    date_hierarchy = "start"
    list_select_related = ("room", "booker")
    readonly_fields = (
        "room",
        "booker",
        "start",
        "end",
        "cancelled_at",
        "cancelled_by",
        "version",
        "created_at",
        "updated_at",
        "origin_node",
    )

    def has_add_permission(self, request) -> bool:
        return False

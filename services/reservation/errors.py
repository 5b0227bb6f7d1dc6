"""The reservation service's own refusals (shared ones are core.errors.ErrorCode)."""

from services.base.exceptions import CodeEnum


# fmt: off
class ReservationCode(CodeEnum):
    NOT_BOOKER = "not_booker", 403, "Only the booker or an admin cancels a booking."
    OVERLAP = "overlap", 409, "The room is already booked for part of that time."
    ALREADY_CANCELLED = "already_cancelled", 409, "This booking was already cancelled."
    ROOM_IN_USE = "room_in_use", 409, "Cancel the room's upcoming bookings first."
    ROOM_REMOVED = "room_removed", 409, "This room has been removed."
# fmt: on

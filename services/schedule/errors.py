"""The schedule service's own refusals (shared ones are core.errors.ErrorCode)."""

from services.base.exceptions import CodeEnum


# fmt: off
class ScheduleCode(CodeEnum):
    NOT_EVENT_OWNER = "not_event_owner", 403, "Only the owner or an admin edits or deletes an event."
    PRIVATE_EVENT = "private_event", 403, "A private event hidden from you is its owner's to change or delete."
    OWNER_ONLY_FIELD = "owner_only_field", 403, "Only the owner changes whether an event is private, and its attendees."
# fmt: on

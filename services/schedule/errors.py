"""The schedule service's own refusals (shared ones are core.errors.ErrorCode)."""

from services.base.exceptions import CodeEnum


# fmt: off
class ScheduleCode(CodeEnum):
    NOT_EVENT_OWNER = "not_event_owner", 403, "Only the owner or an admin edits or deletes an event."
# fmt: on

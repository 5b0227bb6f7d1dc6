"""The attendance service's own refusals (shared ones are core.errors.ErrorCode)."""

from services.base.exceptions import CodeEnum


# fmt: off
class AttendanceCode(CodeEnum):
    ADMIN_REQUIRED = "admin_required", 403, "Only an admin acts on someone else's attendance or decides leave."
    OWN_LEAVE_REQUEST = "own_leave_request", 403, "Nobody approves or rejects their own leave request."
    NOT_PENDING = "not_pending", 409, "The leave request has already been decided."
# fmt: on

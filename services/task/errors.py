"""The task service's own refusals (shared ones are core.errors.ErrorCode)."""

from services.base.exceptions import CodeEnum


# fmt: off
class TaskCode(CodeEnum):
    NOT_TASK_OWNER = "not_task_owner", 403, "Only the creator or an admin edits or deletes a task."
    NOT_TASK_PARTY = (
        "not_task_party",
        403,
        "Only the creator, the assignee or an admin moves a task.",
    )
    TRANSITION_NOT_ALLOWED = (
        "transition_not_allowed",
        409,
        "A task cannot make that move from its status.",
    )
# fmt: on

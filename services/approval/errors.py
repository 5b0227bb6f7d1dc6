"""The approval service's own refusals (shared ones are core.errors.ErrorCode)."""

from services.base.exceptions import CodeEnum


# fmt: off
class ApprovalCode(CodeEnum):
    NOT_DRAFTER = "not_drafter", 403, "Only the drafter withdraws a document."
    NOT_CURRENT_APPROVER = (
        "not_current_approver",
        403,
        "It is not your turn to act on this document.",
    )
    NOT_PENDING = "not_pending", 409, "This document is no longer pending."
# fmt: on

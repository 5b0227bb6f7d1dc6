"""The notice service's own refusals (shared ones are core.errors.ErrorCode)."""

from services.base.exceptions import CodeEnum


# fmt: off
class NoticeCode(CodeEnum):
    NOT_NOTICE_AUTHOR = (
        "not_notice_author",
        403,
        "Only the author or an admin edits or deletes a notice.",
    )
# fmt: on

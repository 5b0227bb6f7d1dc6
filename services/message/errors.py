"""The message service's own refusals (shared ones are core.errors.ErrorCode)."""

from services.base.exceptions import CodeEnum


# fmt: off
class MessageCode(CodeEnum):
    NOT_RECIPIENT = "not_recipient", 403, "Only a recipient marks a message read."
# fmt: on

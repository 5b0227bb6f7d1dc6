"""The document service's own refusals (shared ones are core.errors.ErrorCode)."""

from services.base.exceptions import CodeEnum


# fmt: off
class DocumentCode(CodeEnum):
    NOT_FILE_OWNER = "not_file_owner", 403, "Only the owner or an admin edits, uploads to, shares or deletes a file."
    ALREADY_SHARED = "already_shared", 409, "The file is already shared with them, or they own it."
# fmt: on

"""The directory service's own refusals (shared ones are core.errors.ErrorCode)."""

from services.base.exceptions import CodeEnum


# fmt: off
class DirectoryCode(CodeEnum):
    NOT_OWN_PROFILE = "not_own_profile", 403, "You may edit only your own profile."
    FIELD_NOT_EDITABLE = (
        "field_not_editable",
        403,
        "On your own profile you may change only your phone and e-mail.",
    )
    DEPARTMENT_NOT_EMPTY = (
        "department_not_empty",
        409,
        "Move or remove its sub-departments and people before deleting a department.",
    )
    PROFILE_EXISTS = "profile_exists", 409, "This user already has a profile."
# fmt: on

"""The asset service's own refusals (shared ones are core.errors.ErrorCode)."""

from services.base.exceptions import CodeEnum


# fmt: off
class AssetCode(CodeEnum):
    RETIRED = "retired", 409, "The asset is retired: it is no longer lent or edited."
    CHECKED_OUT = "checked_out", 409, "Return the asset before retiring it."
    ALREADY_CHECKED_OUT = (
        "already_checked_out",
        409,
        "This asset is checked out until it is returned.",
    )
    NOT_CHECKED_OUT = "not_checked_out", 409, "This asset is not checked out."
    TAG_IN_USE = "tag_in_use", 409, "An asset in service already carries this tag."
    TAG_BUSY = "tag_busy", 409, "This tag is being written right now; try again."
# fmt: on

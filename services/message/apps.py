from core.conflict_policy import ConflictPolicy
from services.base.apps import ServiceAppConfig


class MessageConfig(ServiceAppConfig):
    name = "services.message"
    label = "message"
    code = "message"
    display_name = "Messages"
    conflict_policy = ConflictPolicy.APPEND_ONLY

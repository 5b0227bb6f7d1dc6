from core.conflict_policy import ConflictPolicy
from services.base.apps import ServiceAppConfig


class ApprovalConfig(ServiceAppConfig):
    name = "services.approval"
    label = "approval"
    code = "approval"
    display_name = "Approvals"
    conflict_policy = ConflictPolicy.HOME_NODE

from core.conflict_policy import ConflictPolicy
from services.base.apps import ServiceAppConfig


class TaskConfig(ServiceAppConfig):
    name = "services.task"
    label = "task"
    code = "task"
    display_name = "Tasks"
    conflict_policy = ConflictPolicy.LAST_WRITER_WINS

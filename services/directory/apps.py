from core.conflict_policy import ConflictPolicy
from services.base.apps import ServiceAppConfig


class DirectoryConfig(ServiceAppConfig):
    name = "services.directory"
    label = "directory"
    code = "directory"
    display_name = "Directory"
    conflict_policy = ConflictPolicy.LAST_WRITER_WINS

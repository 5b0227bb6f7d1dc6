from core.conflict_policy import ConflictPolicy
from services.base.apps import ServiceAppConfig


class DirectoryConfig(ServiceAppConfig):
    name = "services.directory"
    label = "directory"
    code = "directory"
    display_name = "Directory"
    conflict_policy = ConflictPolicy.LAST_WRITER_WINS
    # One live profile per person, no deleted department with live members, no cycle in
    # the department tree: checked and repaired at reconcile (invariants.py).
    invariants = "invariants"

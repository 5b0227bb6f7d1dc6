from core.conflict_policy import ConflictPolicy
from services.base.apps import ServiceAppConfig


class DocumentConfig(ServiceAppConfig):
    name = "services.document"
    label = "document"
    code = "document"
    display_name = "Documents"
    conflict_policy = ConflictPolicy.LAST_WRITER_WINS

from core.conflict_policy import ConflictPolicy
from core.registry import Aggregate
from services.base.apps import ServiceAppConfig


class DocumentConfig(ServiceAppConfig):
    name = "services.document"
    label = "document"
    code = "document"
    display_name = "Documents"
    conflict_policy = ConflictPolicy.LAST_WRITER_WINS
    aggregates = (
        Aggregate(
            parent="document.file",
            links="document.share",
            parent_field="file",
            member_fields=("user", "group"),
        ),
    )

from core.conflict_policy import ConflictPolicy
from core.registry import Aggregate
from services.base.apps import ServiceAppConfig


class NoticeConfig(ServiceAppConfig):
    name = "services.notice"
    label = "notice"
    code = "notice"
    display_name = "Notices"
    conflict_policy = ConflictPolicy.LAST_WRITER_WINS
    aggregates = (
        Aggregate(
            parent="notice.notice",
            links="notice.noticeaudience",
            parent_field="notice",
            member_fields=("group",),
        ),
    )

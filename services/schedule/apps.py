from core.conflict_policy import ConflictPolicy
from core.registry import Aggregate
from services.base.apps import ServiceAppConfig


class ScheduleConfig(ServiceAppConfig):
    name = "services.schedule"
    label = "schedule"
    code = "schedule"
    display_name = "Schedule"
    conflict_policy = ConflictPolicy.LAST_WRITER_WINS
    aggregates = (
        Aggregate(
            parent="schedule.event",
            links="schedule.eventattendee",
            parent_field="event",
            member_fields=("user",),
        ),
    )

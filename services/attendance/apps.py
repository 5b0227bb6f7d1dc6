from core.conflict_policy import ConflictPolicy
from services.base.apps import ServiceAppConfig


class AttendanceConfig(ServiceAppConfig):
    name = "services.attendance"
    label = "attendance"
    code = "attendance"
    display_name = "Attendance"
    conflict_policy = ConflictPolicy.APPEND_ONLY

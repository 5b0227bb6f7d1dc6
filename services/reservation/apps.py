from core.conflict_policy import ConflictPolicy
from services.base.apps import ServiceAppConfig


class ReservationConfig(ServiceAppConfig):
    name = "services.reservation"
    label = "reservation"
    code = "reservation"
    display_name = "Reservations"
    conflict_policy = ConflictPolicy.HOME_NODE

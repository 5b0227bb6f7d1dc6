"""The app config every service subclasses: its code, name and conflict policy."""

from __future__ import annotations

from django.apps import AppConfig

from platform_site.conflict_policy import ConflictPolicy


class ServiceAppConfig(AppConfig):
    """A business service. Subclasses set `code`, `display_name` and `conflict_policy`.

    The conflict policy is the service's declaration under the active-active data rules
    (ARCHITECTURE.md): the routing table's admin shows it, and home-node services have
    their writes sent to one database.
    """

    default_auto_field = "django.db.models.BigAutoField"
    code: str = ""
    display_name: str = ""
    conflict_policy: str = ConflictPolicy.LAST_WRITER_WINS
    policy_notes: str = ""

    @property
    def writes_to_home_node(self) -> bool:
        return self.conflict_policy == ConflictPolicy.HOME_NODE

"""What a person may do in each service, and why: their own grants and their groups'.

The gateway and the services decide with `credential.grants` (the union of the user's
own grants and every group's, by service; a superuser holds every action). This module
explains the same decision for the admin's user page: per service, what the user holds
directly, what each group gives, and the effective actions with the grants that give
each one. The widest grant wins, since grants only ever add actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from core import registry
from credential.grants import known_service_codes
from credential.models import ACTIONS, Grant

DIRECT = "direct"
SUPERUSER = "superuser"


@dataclass
class ServiceAccess:
    code: str
    name: str
    installed: bool
    direct: frozenset[str] = frozenset()
    # (group name, actions) for each group of the user holding a grant here.
    groups: list[tuple[str, frozenset[str]]] = field(default_factory=list)
    # action -> where it comes from: DIRECT, a group's name, or SUPERUSER.
    sources: dict[str, list[str]] = field(default_factory=dict)

    @property
    def effective(self) -> list[str]:
        return [action for action in ACTIONS if action in self.sources]

    @property
    def winners(self) -> list[str]:
        """Where the widest effective action comes from (the grant that decides)."""
        return self.sources[self.effective[-1]] if self.effective else []

    def group_actions(self, group: str) -> frozenset[str]:
        return frozenset().union(*(actions for name, actions in self.groups if name == group))


def _actions(grant: Grant) -> frozenset[str]:
    return frozenset(grant.actions)


def effective_access(user) -> list[ServiceAccess]:
    """One row per service a grant can name (registry order), then any other code granted.

    An inactive user holds nothing (they cannot sign in); a superuser every action.
    """
    rows = {code: _row(code) for code in _ordered_codes()}
    grants = (
        Grant.objects.filter(Q(user=user) | Q(group__user=user))
        .select_related("group")
        .distinct()
        .order_by("service", "pk")
    )
    for grant in grants:
        row = rows.get(grant.service) or rows.setdefault(grant.service, _row(grant.service))
        actions = _actions(grant)
        if grant.user_id is not None:
            row.direct = row.direct | actions
            source = DIRECT
        else:
            row.groups.append((grant.group.name, actions))
            source = grant.group.name
        for action in actions:
            row.sources.setdefault(action, []).append(source)
    for row in rows.values():
        if not user.is_active:
            row.sources = {}
        elif user.is_superuser and row.installed:
            row.sources = {action: [SUPERUSER] for action in ACTIONS}
    return list(rows.values())


def _ordered_codes() -> list[str]:
    grantable = set(known_service_codes())
    return [config.code for config in registry.services() if config.code in grantable]


def _row(code: str) -> ServiceAccess:
    config = registry.service(code)
    installed = config is not None and config.requires_grant
    return ServiceAccess(
        code=code, name=config.display_name if config else code, installed=installed
    )

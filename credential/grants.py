"""Who may do what: per-service grants to groups and users, and the caller's credential.

Grants are read per user and cached in the process for CREDENTIAL_GRANTS_TTL_SECONDS, so
an admin's change reaches live sessions within that time, without a new login.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

from core import registry
from credential.models import ACTIONS, Grant

_cache: dict[int, tuple[float, dict[str, frozenset[str]]]] = {}


def grants_for_user(user) -> dict[str, frozenset[str]]:
    """Union of the user's own grants and their groups' grants, by service code."""
    now = time.monotonic()
    cached = _cache.get(user.pk)
    if cached is not None and now - cached[0] < settings.CREDENTIAL_GRANTS_TTL_SECONDS:
        return cached[1]
    merged: dict[str, set[str]] = {}
    rows = Grant.objects.filter(Q(user=user) | Q(group__user=user)).values_list(
        "service", "can_read", "can_write", "can_admin"
    )
    for service, *flags in rows:
        actions = merged.setdefault(service, set())
        actions.update(action for action, flag in zip(ACTIONS, flags, strict=True) if flag)
    result = {service: frozenset(actions) for service, actions in merged.items() if actions}
    _cache[user.pk] = (now, result)
    return result


def clear_grant_cache() -> None:
    _cache.clear()


def known_service_codes() -> list[str]:
    """Every service code a grant can name: the registry's services that need a grant."""
    return sorted(config.code for config in registry.services() if config.requires_grant)


def grants_payload(user) -> dict[str, list[str]]:
    """The grants map the client receives at login and from `me`."""
    if user.is_superuser:
        return {code: list(ACTIONS) for code in known_service_codes()}
    return {
        service: [action for action in ACTIONS if action in actions]
        for service, actions in sorted(grants_for_user(user).items())
    }


@dataclass
class Credential:
    """The authenticated caller, attached by the gateway as `request.credential`."""

    user: object
    session: object
    _grants: dict[str, frozenset[str]] | None = field(default=None, repr=False)

    @property
    def grants(self) -> dict[str, frozenset[str]]:
        if self._grants is None:
            self._grants = grants_for_user(self.user)
        return self._grants

    def can(self, service: str, action: str) -> bool:
        if self.user.is_superuser:
            return True
        return action in self.grants.get(service, ())

    def has_any_grant(self, service: str) -> bool:
        return self.user.is_superuser or bool(self.grants.get(service))

"""Changes to the routing table, recorded with who made them (append-only history)."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from core import registry
from core.activeactive import versioned_save, write_transaction
from credential.audit import Kind
from credential.changes import record_change
from gateway.models import RouteChange, ServiceRoute
from gateway.routing import target_problem

EDITABLE = (
    "display_name",
    "target",
    "enabled",
    "maintenance",
    "maintenance_message",
    "maintenance_retry_after_seconds",
    "requires_grant",
    "statement_timeout_ms",
    "breaker_consecutive_failures",
    "breaker_error_rate",
    "breaker_window_seconds",
    "breaker_min_requests",
    "breaker_open_seconds",
)


class RouteRefused(ValueError):
    """A change the routing table does not take."""


def _jsonable(data: dict) -> dict:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def route_snapshot(route: ServiceRoute) -> dict:
    return _jsonable({"code": route.code, **{name: getattr(route, name) for name in EDITABLE}})


def route_check(route: ServiceRoute) -> None:
    problem = target_problem(route.target)
    if problem:
        raise RouteRefused(problem)
    config = registry.service(route.code)
    if config and not config.may_switch_off and (not route.enabled or route.maintenance):
        raise RouteRefused(f"the {route.code} service cannot be disabled or put in maintenance")


def route_save(
    route: ServiceRoute, *, actor: str, source: str, before: dict | None
) -> ServiceRoute:
    """Validate, bump the version and save a route, recording the change (in the route's
    history and, as a diff, in the audit trail)."""
    route_check(route)
    with write_transaction(ServiceRoute):
        if route.pk:
            versioned_save(route)
        else:
            route.save()
        after = route_snapshot(route)
        RouteChange.objects.create(
            code=route.code,
            actor=actor[:150],
            source=source,
            before=before,
            after=after,
            node=settings.PLATFORM_NODE,
        )
    record_change(
        Kind.ROUTE_CHANGED,
        by=actor,
        label=f"route {route.code}",
        object_id=route.pk,
        before=before,
        after=after,
        source=source,
    )
    return route


def route_update(code: str, *, actor: str, source: str, **changes) -> ServiceRoute:
    with write_transaction(ServiceRoute):
        route = ServiceRoute.objects.select_for_update().get(code=code)
        before = route_snapshot(route)
        for name, value in changes.items():
            if name not in EDITABLE:
                raise RouteRefused(f"{name} is not an editable route field")
            setattr(route, name, value)
        return route_save(route, actor=actor, source=source, before=before)

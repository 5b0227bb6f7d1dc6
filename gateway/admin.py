"""Admin for the routing table: edit in the list, act in bulk, see history and breakers."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from core import registry
from gateway import history
from gateway.metrics import breaker_states
from gateway.models import RouteChange, ServiceRoute
from replication.homes import homes


class ServiceRouteForm(forms.ModelForm):
    class Meta:
        model = ServiceRoute
        fields = ("code", *history.EDITABLE)

    def clean(self):
        data = super().clean()
        candidate = ServiceRoute(**{**self.instance.snapshot(), **data})
        candidate.code = data.get("code") or self.instance.code
        try:
            history.route_check(candidate)
        except history.RouteRefused as exc:
            raise ValidationError(str(exc)) from None
        return data


def conflict_policy(route: ServiceRoute) -> str:
    """The policy the service itself declares (core.registry), shown read-only."""
    config = registry.service(route.code)
    return str(config.conflict_policy) if config else "—"


@admin.register(ServiceRoute)
class ServiceRouteAdmin(admin.ModelAdmin):
    form = ServiceRouteForm
    list_display = (
        "code",
        "display_name",
        "enabled",
        "maintenance",
        "policy",
        "breakers",
        "home",
        "statement_timeout_ms",
        "version",
        "updated_at",
    )
    list_editable = ("enabled", "maintenance")
    list_filter = ("enabled", "maintenance")
    search_fields = ("code", "display_name", "target")
    readonly_fields = (
        "policy",
        "home",
        "breakers",
        "version",
        "created_at",
        "updated_at",
        "origin_node",
    )
    actions = ["enable", "disable", "maintenance_on", "maintenance_off"]

    @admin.display(description="conflict policy")
    def policy(self, route):
        return conflict_policy(route)

    @admin.display(description="home node")
    def home(self, route):
        """Where the service's home-node writes go (changed by `manage.py move_home`)."""
        config = registry.service(route.code)
        return homes.home_node(route.code) if config and config.has_home else "—"

    @admin.display(description="circuit breakers (worker: state)")
    def breakers(self, route):
        states = breaker_states().get(route.code, [])
        return ", ".join(f"{worker}: {state}" for worker, state in states) or "closed"

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault("form", ServiceRouteForm)  # list edits are validated too
        return super().get_changelist_form(request, **kwargs)

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            before = history.route_snapshot(ServiceRoute.objects.get(pk=obj.pk))
        history.route_save(obj, actor=request.user.get_username(), source="admin", before=before)

    def _bulk(self, request, queryset, label, **changes):
        done = 0
        for route in queryset:
            try:
                history.route_update(
                    route.code, actor=request.user.get_username(), source="admin", **changes
                )
                done += 1
            except history.RouteRefused as exc:
                self.message_user(request, f"{route.code}: {exc}", messages.ERROR)
        self.message_user(request, f"{label}: {done} service(s).", messages.SUCCESS)

    @admin.action(description="Enable selected services")
    def enable(self, request, queryset):
        self._bulk(request, queryset, "Enabled", enabled=True)

    @admin.action(description="Disable selected services")
    def disable(self, request, queryset):
        self._bulk(request, queryset, "Disabled", enabled=False)

    @admin.action(description="Put selected services in maintenance")
    def maintenance_on(self, request, queryset):
        self._bulk(request, queryset, "Maintenance on", maintenance=True)

    @admin.action(description="End maintenance of selected services")
    def maintenance_off(self, request, queryset):
        self._bulk(request, queryset, "Maintenance off", maintenance=False)


@admin.register(RouteChange)
class RouteChangeAdmin(admin.ModelAdmin):
    list_display = ("at", "code", "actor", "source", "node")
    list_filter = ("source", "node", "code")
    search_fields = ("code", "actor")
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

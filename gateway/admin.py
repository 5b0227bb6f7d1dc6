"""Admin for the routing table: edit in the list or in fieldsets, act in bulk, see diffs.

Every save goes through `gateway.history` (validated, versioned, recorded in the route's
history and the audit trail), on the credential service's home database.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from core import registry
from core.admin import DiffHistoryMixin, ListTitleMixin, NoHardDeleteMixin, badge
from credential.changes import changes_text, current, diff, render_changes
from gateway import history
from gateway.metrics import breaker_states
from gateway.models import RouteChange, ServiceRoute
from replication.homes import homes

HELP = {
    "code": "The URL segment after /api/v1/ that comes here. Fixed once the route exists.",
    "display_name": "The service's name as administrators see it.",
    "target": "The installed service that answers these requests.",
    "enabled": "Off: every request answers 503 service_disabled; the service is not called.",
    "requires_grant": "Refuse (403) callers who hold no grant at all for this service.",
    "maintenance": "On: every request answers 503 maintenance with the message below.",
    "maintenance_message": "Sent to clients as the answer's detail, e.g. “Back at 14:00”.",
    "maintenance_retry_after_seconds": "Seconds. Sent as Retry-After: when clients retry.",
    "statement_timeout_ms": (
        "Milliseconds. The longest one database statement of this service may run; past it "
        "the request answers 504 statement_timeout and nothing is applied (MariaDB)."
    ),
    "breaker_consecutive_failures": "Failed requests (5xx) in a row that open the breaker.",
    "breaker_error_rate": "A share from 0 to 1: opens when this share of the window failed.",
    "breaker_window_seconds": "Seconds. How far back the error rate looks.",
    "breaker_min_requests": "Requests needed within the window before the error rate counts.",
    "breaker_open_seconds": (
        "Seconds. How long an open breaker answers 503 service_unavailable at once, before "
        "it lets one probe request through."
    ),
}
LABELS = {
    "maintenance_retry_after_seconds": "Retry after (s)",
    "statement_timeout_ms": "Statement timeout (ms)",
    "breaker_consecutive_failures": "Consecutive failures",
    "breaker_error_rate": "Error rate (0 to 1)",
    "breaker_window_seconds": "Window (s)",
    "breaker_min_requests": "Minimum requests",
    "breaker_open_seconds": "Open for (s)",
}


def target_choices(current_target: str | None) -> list[tuple[str, str]]:
    choices = [(c.urlconf, f"{c.display_name} ({c.urlconf})") for c in registry.services()]
    if current_target and current_target not in dict(choices):
        choices.append((current_target, f"{current_target} (not a registered service)"))
    return choices


class ServiceRouteForm(forms.ModelForm):
    class Meta:
        model = ServiceRoute
        fields = ("code", *history.EDITABLE)
        help_texts = HELP
        labels = LABELS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Replaced here, not declared: the list's inline edits build this form with only
        # the list's columns, and a declared field would always be required.
        if "target" in self.fields:
            self.fields["target"] = forms.ChoiceField(
                label="Target",
                choices=target_choices(self.instance.target or None),
                help_text=HELP["target"],
                error_messages={
                    "invalid_choice": "“%(value)s” is not an installed service: choose one "
                    "from the list."
                },
            )
        if "breaker_error_rate" in self.fields:
            field = self.fields["breaker_error_rate"]
            field.min_value, field.max_value = 0, 1
            field.widget.attrs.update(min=0, max=1, step=0.05)

    def clean_breaker_error_rate(self):
        rate = self.cleaned_data["breaker_error_rate"]
        if not 0 < rate <= 1:
            raise ValidationError("Give a share between 0 and 1, such as 0.5 for half.")
        return rate

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        candidate = ServiceRoute(**{**self.instance.snapshot(), **data})
        candidate.code = data.get("code") or self.instance.code
        try:
            history.route_check(candidate)
        except history.RouteRefused as exc:
            raise ValidationError(f"Not saved: {exc}.") from None
        return data


def conflict_policy(route: ServiceRoute) -> str:
    """The policy the service itself declares (core.registry), shown read-only."""
    config = registry.service(route.code)
    return str(config.conflict_policy) if config else "—"


def breaker_summary(states: list[tuple[str, str]]) -> str:
    """Closed, or how many of the workers that served the service hold it open."""
    opened = [state for _, state in states if state != "closed"]
    if not opened:
        return badge("closed", "ok")
    worst = "open" if "open" in opened else "half_open"
    tone = "bad" if worst == "open" else "warn"
    return format_html("{} on {} of {} workers", badge(worst, tone), len(opened), len(states))


@admin.register(ServiceRoute)
class ServiceRouteAdmin(DiffHistoryMixin, ListTitleMixin, NoHardDeleteMixin, admin.ModelAdmin):
    """A route is switched off (disabled, maintenance), never deleted: every node routes by it."""

    list_title = "Routes"
    form = ServiceRouteForm
    list_display = ("code", "display_name", "enabled", "maintenance", "policy", "home")
    list_display += ("timeout", "breakers", "version", "updated_at")
    list_display_links = ("code",)
    list_editable = ("enabled", "maintenance")
    readonly_fields = ("policy", "home", "breakers", "version", "created_at", "updated_at")
    readonly_fields += ("origin_node",)
    actions = ["enable", "disable", "maintenance_on", "maintenance_off"]
    fieldsets = (
        ("Routing", {"fields": ("code", "display_name", "target", "enabled", "requires_grant")}),
        (
            "Maintenance",
            {
                "fields": ("maintenance", "maintenance_message", "maintenance_retry_after_seconds"),
                "description": "The gateway answers every request itself; no data is touched.",
            },
        ),
        ("Protection", {"fields": ("statement_timeout_ms",)}),
        (
            "Circuit breaker",
            {
                "fields": (
                    "breaker_consecutive_failures",
                    "breaker_error_rate",
                    "breaker_window_seconds",
                    "breaker_min_requests",
                    "breaker_open_seconds",
                ),
                "description": (
                    "Each worker process keeps its own breaker: it opens on the consecutive "
                    "failures or on the error rate, whichever comes first."
                ),
            },
        ),
        (
            "State",
            {"fields": ("policy", "home", "breakers", "version", "updated_at", "origin_node")},
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        fixed = ("code",) if obj is not None else ()
        return (*self.readonly_fields, *fixed)

    @admin.display(description="conflict policy")
    def policy(self, route):
        return conflict_policy(route)

    @admin.display(description="home node")
    def home(self, route):
        """Where the service's home-node writes go (changed by `manage.py move_home`)."""
        config = registry.service(route.code)
        return homes.home_node(route.code) if config and config.has_home else "—"

    @admin.display(description="timeout", ordering="statement_timeout_ms")
    def timeout(self, route):
        return f"{route.statement_timeout_ms / 1000:g} s"

    @admin.display(description="circuit breaker")
    def breakers(self, route):
        return breaker_summary(breaker_states().get(route.code, []))

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault("form", ServiceRouteForm)  # list edits are validated too
        return super().get_changelist_form(request, **kwargs)

    def save_model(self, request, obj, form, change):
        before = current(ServiceRoute, obj.pk, history.route_snapshot) if change else None
        history.route_save(obj, actor=request.user.get_username(), source="admin", before=before)

    def history_entries(self, route) -> list[dict]:
        changes = RouteChange.objects.filter(code=route.code).order_by("-at", "-pk")[:200]
        return [
            {
                "at": change.at,
                "by": f"{change.actor} ({change.source})",
                "node": change.node,
                "action": _route_action(change),
                "changes": render_changes(diff(change.before, change.after)),
            }
            for change in changes
        ]

    def _bulk(self, request, queryset, label, **changes):
        done = 0
        for route in queryset:
            try:
                history.route_update(
                    route.code, actor=request.user.get_username(), source="admin", **changes
                )
                done += 1
            except history.RouteRefused as exc:
                self.message_user(request, f"{route.code}: not changed, {exc}.", messages.ERROR)
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


def _route_action(change: RouteChange) -> str:
    if change.before is None:
        return "added"
    return "changed" if diff(change.before, change.after) else "saved, nothing changed"


@admin.register(RouteChange)
class RouteChangeAdmin(ListTitleMixin, admin.ModelAdmin):
    list_title = "Route history"
    list_display = ("at", "route", "actor", "source", "node", "summary")
    list_filter = ("source", "node", "code")
    search_fields = ("code", "actor")
    date_hierarchy = "at"
    fields = readonly_fields = ("at", "code", "actor", "source", "node", "changes")

    @admin.display(description="route", ordering="code")
    def route(self, change):
        url = reverse("admin:gateway_serviceroute_changelist") + f"?code__exact={change.code}"
        return format_html('<a href="{}">{}</a>', url, change.code)

    @admin.display(description="changes")
    def summary(self, change):
        return changes_text(diff(change.before, change.after)) or "no field changed"

    @admin.display(description="changes (before → after)")
    def changes(self, change):
        return render_changes(diff(change.before, change.after))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

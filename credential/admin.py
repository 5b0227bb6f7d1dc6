"""The credential admin: grants are edited here, keys rotated, sessions revoked; trails read.

Server keys change through `credential.keys` (rotation here and in `manage.py
credential_keys`), sessions end only through revocation (the actions below) or
pruning, and login attempts and audit events are append-only. No page shows private or
session key material, nor a session's full hash. People and groups: `admin_users`,
`admin_groups`; keys: `admin_keys`.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.template.defaultfilters import timesince
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from core.admin import ListTitleMixin, ReadOnlyAdminMixin, badge
from credential import admin_groups, admin_keys, admin_users  # noqa: F401 - they register
from credential.admin_writes import grant_delete, grant_save
from credential.changes import changes_text, render_changes
from credential.forms import GrantForm
from credential.models import AuditEvent, Grant, LoginAttempt, Session
from credential.sessions import session_revoke, sessions_revoke_for_user

REVOKE_REASON = "revoked_by_admin"
SHORT = "%Y-%m-%d %H:%M"  # list columns: a date that fits a narrow column


class RevokedFilter(admin.SimpleListFilter):
    title = "revoked"
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(revoked_at__isnull=self.value() == "no")
        return queryset


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def session_state(session: Session, now=None) -> str:
    now = now or timezone.now()
    if session.revoked_at is not None:
        return badge("revoked", "bad")
    if session.is_active(now):
        return badge("active", "ok")
    return badge("ended")


def client_label(session: Session) -> str:
    app = " ".join(filter(None, [session.client_app, session.client_version])) or "—"
    return f"{app} · {session.client_machine}" if session.client_machine else app


@admin.register(Session)
class SessionAdmin(ListTitleMixin, admin.ModelAdmin):
    """Sessions are looked at and revoked here; their detail page is read-only."""

    list_title = "Client sessions"
    list_display = ["user_link", "client", "address", "opened", "last_seen", "ends"]
    list_display += ["state", "node"]
    list_filter = [RevokedFilter, "created_on_node"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    actions = ["revoke_selected", "revoke_all_of_users"]
    # An explicit list, so neither the wrapped key nor the full id hash is shown.
    fields = readonly_fields = [
        "user",
        "short_ref",
        "state",
        "created_at",
        "last_seen_at",
        "idle_timeout_seconds",
        "expires_at",
        "revoked_at",
        "revoked_reason",
        "client_app",
        "client_version",
        "client_machine",
        "client_address",
        "created_on_node",
        "updated_at",
        "version",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The change permission allows the revoke actions (asked with obj=None); a single
        # session's page never saves, since revocation is the only change a session takes.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False  # a session ends by revocation; platform_prune deletes ended rows

    def change_view(self, request, object_id, form_url="", extra_context=None):
        session = self.get_object(request, object_id)
        title = f"Session {session.short_ref} of {session.user.get_username()}" if session else ""
        return super().change_view(request, object_id, form_url, {"title": title})

    @admin.display(description="user", ordering="user__username")
    def user_link(self, session: Session) -> str:
        url = reverse("admin:auth_user_change", args=[session.user_id])
        return format_html('<a href="{}#sessions">{}</a>', url, session.user.get_username())

    @admin.display(description="client (app · machine)")
    def client(self, session: Session) -> str:
        return client_label(session)

    @admin.display(description="last seen", ordering="last_seen_at")
    def last_seen(self, session: Session) -> str:
        return f"{timesince(session.last_seen_at)} ago"

    @admin.display(description="address", ordering="client_address")
    def address(self, session: Session) -> str:
        return session.client_address or "—"

    @admin.display(description="opened (UTC)", ordering="created_at")
    def opened(self, session: Session) -> str:
        return f"{session.created_at:{SHORT}}"

    @admin.display(description="ends (UTC)")
    def ends(self, session: Session) -> str:
        return f"{session.ends_at():{SHORT}}"

    @admin.display(description="node", ordering="created_on_node")
    def node(self, session: Session) -> int:
        return session.created_on_node

    @admin.display(description="state")
    def state(self, session: Session) -> str:
        return session_state(session)

    @admin.action(description="Revoke selected sessions", permissions=["change"])
    def revoke_selected(self, request, queryset):
        selected = list(queryset.select_related("user"))
        revoked = sum(session_revoke(s, reason=REVOKE_REASON, by=request.user) for s in selected)
        self._report(request, revoked, len(selected) - revoked)

    @admin.action(
        description="Revoke all sessions of the selected sessions' users", permissions=["change"]
    )
    def revoke_all_of_users(self, request, queryset):
        users = get_user_model().objects.filter(pk__in=queryset.values("user_id"))
        revoked = sum(
            sessions_revoke_for_user(user, reason=REVOKE_REASON, by=request.user) for user in users
        )
        self._report(request, revoked, 0, users=len(users))

    def _report(self, request, revoked: int, already_ended: int, users: int | None = None):
        text = f"Revoked {plural(revoked, 'session')}"
        if users is not None:
            text += f" of {plural(users, 'user')}"
        if already_ended:
            text += f"; {plural(already_ended, 'session')} had already been revoked"
        level = messages.SUCCESS if revoked else messages.WARNING
        self.message_user(request, f"{text}.", level)


@admin.register(Grant)
class GrantAdmin(ListTitleMixin, admin.ModelAdmin):
    list_title = "Grants"
    form = GrantForm
    list_display = ["service", "holder", "can_read", "can_write", "can_admin", "updated_at"]
    list_display += ["version"]
    list_filter = ["service"]
    list_select_related = ["group", "user"]
    search_fields = ["service", "group__name", "user__username"]
    autocomplete_fields = ["group", "user"]
    fieldsets = [
        (None, {"fields": ["service"]}),
        ("Given to", {"fields": ["group", "user"]}),
        ("Actions", {"fields": ["can_read", "can_write", "can_admin", "seen_version"]}),
    ]

    @admin.display(description="given to")
    def holder(self, grant: Grant) -> str:
        if grant.group_id:
            url = reverse("admin:auth_group_change", args=[grant.group_id])
            return format_html('group <a href="{}">{}</a>', url, grant.group.name)
        url = reverse("admin:auth_user_change", args=[grant.user_id])
        return format_html('<a href="{}">{}</a>', url, grant.user.get_username())

    def save_model(self, request, obj, form, change):
        grant_save(obj, by=request.user)

    def delete_model(self, request, obj):
        grant_delete(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for grant in queryset:
            grant_delete(grant, by=request.user)


@admin.register(LoginAttempt)
class LoginAttemptAdmin(ReadOnlyAdminMixin, ListTitleMixin, admin.ModelAdmin):
    list_title = "Sign-in attempts"
    list_display = ["at", "username", "client_address", "succeeded", "node_index"]
    list_filter = ["succeeded", "node_index"]
    search_fields = ["username"]
    date_hierarchy = "at"


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, ListTitleMixin, admin.ModelAdmin):
    list_title = "Audit trail"
    list_display = ["when", "kind", "username", "by", "what", "client_address", "node"]
    list_filter = ["kind", "node"]
    search_fields = ["username", "detail"]
    date_hierarchy = "at"
    fields = readonly_fields = ["at", "kind", "username", "by", "what", "changes"]
    readonly_fields += ["client_address", "session_ref", "node", "other_detail"]

    @admin.display(description="at (UTC)", ordering="at")
    def when(self, event: AuditEvent) -> str:
        return f"{event.at:%Y-%m-%d %H:%M:%S}"

    @admin.display(description="by")
    def by(self, event: AuditEvent) -> str:
        return event.detail.get("by", "") if isinstance(event.detail, dict) else ""

    @admin.display(description="what")
    def what(self, event: AuditEvent) -> str:
        detail = event.detail if isinstance(event.detail, dict) else {}
        if "changes" in detail:
            summary = changes_text(detail["changes"])
            label = " ".join(filter(None, [detail.get("action"), detail.get("object")]))
            return f"{label}: {summary}" if label else summary
        return ", ".join(f"{k}={v}" for k, v in sorted(detail.items()) if k != "by")[:120]

    @admin.display(description="changes (before → after)")
    def changes(self, event: AuditEvent) -> str:
        return render_changes((event.detail or {}).get("changes") or {})

    @admin.display(description="other detail")
    def other_detail(self, event: AuditEvent) -> str:
        skip = {"changes", "by"}
        return ", ".join(
            f"{k}: {v}" for k, v in sorted((event.detail or {}).items()) if k not in skip
        )

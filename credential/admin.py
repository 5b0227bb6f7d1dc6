"""The credential admin: grants are edited here; keys, sessions and the trails are read-only.

Server keys change only through `manage.py credential_keys`, sessions end only through
revocation (the actions below) or pruning, and login attempts and audit events are
append-only. No page shows private or session key material, nor a session's full hash.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from core.activeactive import versioned_save
from core.admin import NoHardDeleteMixin, ReadOnlyAdminMixin
from credential.models import AuditEvent, Grant, LoginAttempt, ServerKey, Session
from credential.sessions import session_revoke, sessions_revoke_for_user


@admin.register(ServerKey)
class ServerKeyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["kid", "is_primary", "short_fingerprint", "created_at", "retires_at"]
    list_display += ["accepted_now"]
    # An explicit list, so the wrapped private key can never appear on the page.
    fields = readonly_fields = [
        "kid",
        "algorithm",
        "is_primary",
        "accepted_now",
        "fingerprint_sha256",
        "public_key_pem",
        "created_at",
        "retires_at",
        "updated_at",
        "version",
        "origin_node",
    ]

    @admin.display(description="fingerprint")
    def short_fingerprint(self, key: ServerKey) -> str:
        return f"{key.fingerprint_sha256[:16]}…"

    @admin.display(description="accepted now", boolean=True)
    def accepted_now(self, key: ServerKey) -> bool:
        return key.accepted()


REVOKE_REASON = "revoked_by_admin"


class RevokedFilter(admin.SimpleListFilter):
    title = "revoked"
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(revoked_at__isnull=self.value() == "no")
        return queryset


def _sessions(count: int) -> str:
    return f"{count} session{'' if count == 1 else 's'}"


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    """Sessions are looked at and revoked here; their detail page is read-only."""

    list_display = ["user", "short_ref", "client_app", "client_machine", "client_address"]
    list_display += ["created_at", "last_seen_at", "expires_at", "revoked_at", "active"]
    list_filter = [RevokedFilter, "created_on_node"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    actions = ["revoke_selected", "revoke_all_of_users"]
    # An explicit list, so neither the wrapped key nor the full id hash is shown.
    fields = readonly_fields = [
        "user",
        "short_ref",
        "active",
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

    @admin.display(description="active", boolean=True)
    def active(self, session: Session) -> bool:
        return session.is_active()

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
        text = f"Revoked {_sessions(revoked)}"
        if users is not None:
            text += f" of {users} user{'' if users == 1 else 's'}"
        if already_ended:
            text += f"; {_sessions(already_ended)} had already been revoked"
        level = messages.SUCCESS if revoked else messages.WARNING
        self.message_user(request, f"{text}.", level)


class GrantForm(forms.ModelForm):
    """Optimistic concurrency (docs/ARCHITECTURE.md, data rules): a grant changed by someone else
    since this page was loaded is not overwritten; the editor reloads and retries."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Grant
        fields = ["service", "group", "user", "can_read", "can_write", "can_admin"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["seen_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None or not self.has_changed():
            return cleaned
        # The admin saves in the same transaction, so the lock holds until the write.
        current = Grant.objects.select_for_update().filter(pk=self.instance.pk)
        current = current.values_list("version", flat=True)
        if cleaned.get("seen_version") != current.first():
            raise ValidationError(
                "This grant was changed by someone else after the page was loaded; "
                "reload the page and make the change again."
            )
        return cleaned


class GrantFormSet(BaseInlineFormSet):
    def save_existing(self, form, obj, commit=True):
        # Only changed forms are saved; each saves as the grant's next version.
        return versioned_save(form.save(commit=False)) if commit else form.save(commit=False)


class GrantInline(admin.TabularInline):
    """A group's or user's grants; the holder is the page's group or user."""

    model = Grant
    form = GrantForm
    formset = GrantFormSet
    fields = ["service", "can_read", "can_write", "can_admin", "seen_version"]
    extra = 0


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    form = GrantForm
    list_display = ["service", "group", "user", "can_read", "can_write", "can_admin"]
    list_display += ["updated_at", "version"]
    list_filter = ["service"]
    list_select_related = ["group", "user"]
    search_fields = ["service", "group__name", "user__username"]
    autocomplete_fields = ["group", "user"]

    def save_model(self, request, obj, form, change):
        if change:
            versioned_save(obj)
        else:
            super().save_model(request, obj, form, change)


@admin.register(LoginAttempt)
class LoginAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "username", "client_address", "succeeded", "node_index"]
    list_filter = ["succeeded", "node_index"]
    search_fields = ["username"]
    date_hierarchy = "at"


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "kind", "username", "client_address", "session_ref", "node"]
    list_filter = ["kind", "node"]
    search_fields = ["username"]
    date_hierarchy = "at"


User = get_user_model()
admin.site.unregister(Group)
admin.site.unregister(User)


@admin.register(Group)
class PlatformGroupAdmin(NoHardDeleteMixin, GroupAdmin):
    inlines = [*GroupAdmin.inlines, GrantInline]


@admin.register(User)
class PlatformUserAdmin(NoHardDeleteMixin, UserAdmin):
    inlines = [*UserAdmin.inlines, GrantInline]

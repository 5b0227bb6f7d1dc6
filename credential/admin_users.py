"""The admin's pages for people.

A person's page answers what an administrator asks about someone: what they may do in
each service and why (own grants, each group's, which wins), where they are signed in
(revoke one session or all), and whether they may sign in at all. People are never
deleted (other rows on either node reference them): a person is deactivated, which ends
their sessions. Every save is recorded as a diff in the audit trail.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, router, transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse

from core.admin import DiffHistoryMixin, ListTitleMixin
from credential import user_pages
from credential.admin_groups import OwnGrantInline, history_entries
from credential.admin_writes import user_before, user_record
from credential.lockout import lockout_clear, lockout_state
from credential.models import AuditEvent
from credential.sessions import session_revoke, sessions_active_for_user, sessions_revoke_for_user
from credential.users import user_deactivate, user_reactivate

User = get_user_model()
Kind = AuditEvent.Kind
REVOKE_REASON = "revoked_by_admin"
HOME_DOWN = (
    "The credential service's home database did not take the change, so {user} is still "
    "active. Check the home node (the operations dashboard), then try again."
)


admin.site.unregister(User)


@admin.register(User)
class PlatformUserAdmin(DiffHistoryMixin, ListTitleMixin, UserAdmin):
    list_title = "Users"
    change_form_template = "admin/credential/user/change_form.html"
    inlines = [OwnGrantInline]
    list_display = ["username", "full_name", "email", "group_names", "account", "staff"]
    list_display += ["superuser"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups"]
    actions = ["deactivate_selected", "reactivate_selected"]
    readonly_fields = [*user_pages.READONLY, "last_login", "date_joined"]
    filter_horizontal = ["user_permissions"]  # groups are few: ticked in a plain list

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "groups":
            kwargs["widget"] = forms.CheckboxSelectMultiple
            kwargs["help_text"] = user_pages.GROUPS_HELP
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else user_pages.fieldsets(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # people are deactivated: rows on either node reference them

    # Read-only sections of the page (credential/user_pages.py renders them).
    @admin.display(description="name")
    def full_name(self, user) -> str:
        return user.get_full_name()

    @admin.display(description="groups")
    def group_names(self, user) -> str:
        return ", ".join(sorted(group.name for group in user.groups.all())) or "—"

    @admin.display(description="staff", boolean=True, ordering="is_staff")
    def staff(self, user) -> bool:
        return user.is_staff

    @admin.display(description="superuser", boolean=True, ordering="is_superuser")
    def superuser(self, user) -> bool:
        return user.is_superuser

    @admin.display(description="account", ordering="is_active")
    def account(self, user) -> str:
        return user_pages.account_badge(user)

    @admin.display(description="state")
    def account_state(self, user) -> str:
        return user_pages.account_state(user)

    @admin.display(description="last sign-in from a client")
    def last_client_sign_in(self, user) -> str:
        return user_pages.last_client_sign_in(user)

    @admin.display(description="effective access")
    def effective_access(self, user) -> str:
        return user_pages.access_table(user)

    @admin.display(description="live sessions")
    def live_sessions(self, user) -> str:
        return user_pages.sessions_table(user)

    @admin.display(description="lockout")
    def signin_lockout(self, user) -> str:
        return user_pages.lockout_section(user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        user = self.get_object(request, unquote(object_id))
        live = [s.pk for s in sessions_active_for_user(user)] if user is not None else []
        context = {"revoke_sessions": live, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)

    # Saves, recorded as diffs (groups and permissions are saved with the related objects).
    def save_model(self, request, obj, form, change):
        obj._before = user_before(obj) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user_record(form.instance, by=request.user, before=getattr(form.instance, "_before", None))

    def user_change_password(self, request, id, form_url=""):
        if request.method != "POST":
            return super().user_change_password(request, id, form_url)
        with transaction.atomic(using=router.db_for_write(User)):
            user = self.get_object(request, unquote(id))
            before = user_before(user) if user is not None else None
            response = super().user_change_password(request, id, form_url)
            if before is not None and response.status_code == 302:
                user.refresh_from_db()
                user_record(user, by=request.user, before=before)
        return response

    def history_entries(self, user) -> list[dict]:
        kinds = [Kind.USER_CHANGED, Kind.USER_DEACTIVATED, Kind.USER_REACTIVATED]
        kinds.append(Kind.GRANT_CHANGED)
        return history_entries(AuditEvent.objects.filter(user_id_ref=user.pk, kind__in=kinds))

    # Sessions, deactivation and reactivation.
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<id>/sessions/revoke/", view(self.revoke_view), name="auth_user_revoke"),
            path("<id>/unlock/", view(self.unlock_view), name="auth_user_unlock"),
            path("<id>/deactivate/", view(self.deactivate_view), name="auth_user_deactivate"),
            path("<id>/reactivate/", view(self.reactivate_view), name="auth_user_reactivate"),
            *super().get_urls(),
        ]

    def _user_or_404(self, request, object_id):
        user = self.get_object(request, unquote(object_id))
        if user is None:
            raise Http404("No such user")
        return user

    def _back(self, user) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:auth_user_change", args=[user.pk]))

    def revoke_view(self, request, id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        user = self._user_or_404(request, id)
        if not request.user.has_perm("credential.change_session"):
            raise PermissionDenied
        which = request.POST.get("session", "")
        if which == "all":
            ended = sessions_revoke_for_user(user, reason=REVOKE_REASON, by=request.user)
        else:
            chosen = [s for s in sessions_active_for_user(user) if str(s.pk) == which]
            ended = sum(session_revoke(s, reason=REVOKE_REASON, by=request.user) for s in chosen)
        if ended:
            noun = "session" if ended == 1 else "sessions"
            self.message_user(
                request, f"Revoked {ended} {noun} of {user}: the client must sign in again."
            )
        else:
            self.message_user(request, "That session had already ended.", messages.WARNING)
        return self._back(user)

    def unlock_view(self, request, id):
        """Lift this person's sign-in lockout and that of the addresses it failed from."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        user = self._user_or_404(request, id)
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        state = lockout_state(user.get_username())
        lockout_clear(username=user.get_username(), by=request.user)
        for address in (a.subject for a in state.addresses if a.locked):
            lockout_clear(address=address, by=request.user)
        self.message_user(request, f"{user} may sign in again (API and admin, on both nodes).")
        return self._back(user)

    def deactivate_view(self, request, id):
        user = self._user_or_404(request, id)
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        if request.method == "POST":
            self._deactivate(request, [user])
            return self._back(user)
        return user_pages.confirm_page(self, request, [user], action="deactivate")

    def reactivate_view(self, request, id):
        user = self._user_or_404(request, id)
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        if request.method == "POST":
            self._reactivate(request, [user])
            return self._back(user)
        return user_pages.confirm_page(self, request, [user], action="reactivate")

    @admin.action(
        description="Deactivate selected users (ends their sessions)", permissions=["change"]
    )
    def deactivate_selected(self, request, queryset):
        users = list(queryset)
        if request.POST.get("confirm") != "yes":
            return user_pages.confirm_page(self, request, users, action="deactivate", bulk=True)
        self._deactivate(request, users)
        return None

    @admin.action(description="Reactivate selected users", permissions=["change"])
    def reactivate_selected(self, request, queryset):
        self._reactivate(request, list(queryset))

    def _deactivate(self, request, users) -> None:
        if any(user.pk == request.user.pk for user in users):
            self.message_user(
                request,
                "You cannot deactivate your own account while signed in with it; nothing was "
                "changed. Ask another administrator.",
                messages.ERROR,
            )
            return
        for user in users:
            try:
                ended = user_deactivate(user, by=request.user)
            except DatabaseError:
                self.message_user(request, HOME_DOWN.format(user=user), messages.ERROR)
                return
            noun = "session" if ended == 1 else "sessions"
            self.message_user(
                request, f"Deactivated {user}: sign-in refused, {ended} {noun} ended."
            )

    def _reactivate(self, request, users) -> None:
        changed = [user for user in users if user_reactivate(user, by=request.user)]
        names = ", ".join(str(user) for user in changed) or "nobody (all were active)"
        self.message_user(request, f"Reactivated {names}: they may sign in again.")

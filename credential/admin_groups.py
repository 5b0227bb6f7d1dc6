"""The admin's pages for groups, and the grant inline that groups and people share.

A group is never deleted (its members' rows on either node reference it); its page lists
its members and holds its grants, and every save is recorded as a diff.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html_join

from core.admin import DiffHistoryMixin, ListTitleMixin
from credential import user_pages
from credential.admin_writes import group_before, group_record
from credential.changes import render_changes
from credential.forms import GrantForm, GrantFormSet
from credential.models import AuditEvent, Grant

Kind = AuditEvent.Kind


class GrantInline(admin.TabularInline):
    """A group's or a person's grants; the holder is the page's group or person."""

    model = Grant
    form = GrantForm
    formset = GrantFormSet
    fields = ["service", "can_read", "can_write", "can_admin", "seen_version"]
    extra = 0
    verbose_name = "grant"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.actor = request.user  # a fresh class per call: safe to set
        return formset


class OwnGrantInline(GrantInline):
    verbose_name_plural = "own grants (each group's are on the group's page)"


class GroupGrantInline(GrantInline):
    verbose_name_plural = "grants to this group (every member holds them)"


def history_entries(events) -> list[dict]:
    return [
        {
            "at": event.at,
            "by": event.detail.get("by", ""),
            "node": event.node,
            "action": f"{event.get_kind_display()}: {event.detail.get('action', '')}".rstrip(": "),
            "changes": render_changes(event.detail.get("changes") or {}),
        }
        for event in events.order_by("-at", "-pk")[:200]
    ]


admin.site.unregister(Group)


@admin.register(Group)
class PlatformGroupAdmin(DiffHistoryMixin, ListTitleMixin, GroupAdmin):
    list_title = "Groups"
    inlines = [GroupGrantInline]
    list_display = ["name", "member_count", "services"]
    readonly_fields = ["members"]
    fieldsets = [
        (None, {"fields": ["name", "members"]}),
        (
            "Admin pages its staff members may use",
            {
                "fields": ["permissions"],
                "classes": ["collapse"],
                "description": user_pages.GROUP_PERMISSIONS_HELP,
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("user_set", "grants")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # members' rows on either node reference it

    @admin.display(description="members")
    def member_count(self, group) -> int:
        return len(group.user_set.all())

    @admin.display(description="services granted")
    def services(self, group) -> str:
        return ", ".join(sorted({grant.service for grant in group.grants.all()})) or "—"

    @admin.display(description="members")
    def members(self, group) -> str:
        people = sorted(group.user_set.all(), key=lambda u: u.get_username())
        if not people:
            return "Nobody yet: add people to the group on their own pages."
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("admin:auth_user_change", args=[u.pk]), u.get_username()) for u in people),
        )

    def save_model(self, request, obj, form, change):
        obj._before = group_before(obj) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        group_record(form.instance, by=request.user, before=getattr(form.instance, "_before", None))

    def history_entries(self, group) -> list[dict]:
        events = AuditEvent.objects.filter(
            Q(kind=Kind.GROUP_CHANGED, detail__object_id=group.pk)
            | Q(kind=Kind.GRANT_CHANGED, detail__group_id=group.pk)
        )
        return history_entries(events)

"""Admin building blocks shared by every app's admin."""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.html import format_html


class ReadOnlyAdminMixin:
    """For rows the admin only shows (append-only trails, rows a service's API owns):
    viewable with the view permission; nobody adds, changes or deletes them here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class NoHardDeleteMixin:
    """Rows that either node may reference or update are never deleted: a delete racing
    an update from the other node stops replication (docs/ARCHITECTURE.md, data rules).
    Their APIs soft-delete them instead."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ShownInlineMixin:
    """An inline that lists related rows its parent's page shows but never adds or removes."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class DiffHistoryMixin:
    """An object's History page listing its recorded changes field by field (before →
    after), with who made each, when and on which node, instead of Django's log of
    changed field names. Subclasses return the entries: dicts with `at`, `by`, `node`,
    `action` and `changes` (rendered HTML)."""

    history_template = "admin/platform_history.html"

    def history_entries(self, obj) -> list[dict]:
        raise NotImplementedError

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": f"History of {obj}",
            "entries": self.history_entries(obj),
            "object": obj,
            "opts": self.opts,
            "module_name": str(self.opts.verbose_name_plural).capitalize(),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.history_template, context)


def badge(text: str, tone: str = "") -> str:
    """A small coloured label (tone: ok, bad, warn, or none), styled by the admin's base."""
    return format_html('<span class="badge {}">{}</span>', tone, text)


class ListTitleMixin:
    """A list page titled by what it lists ("Routes"), not "Select route to change"."""

    list_title = ""

    def changelist_view(self, request, extra_context=None):
        context = {"title": self.list_title} if self.list_title else {}
        return super().changelist_view(request, {**context, **(extra_context or {})})

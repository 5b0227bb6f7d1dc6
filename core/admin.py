"""Admin building blocks shared by every app's admin."""

from __future__ import annotations


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

"""Writes: every change to departments and staff profiles goes through these functions.

A department row is locked (select_for_update) while people or sub-departments are
attached to it and while it is deleted, so on one database a department can never be
deleted while something is being added to it.
"""

from __future__ import annotations

from rest_framework.exceptions import ValidationError

from core.activeactive import soft_delete, versioned_update, write_transaction
from services.base.exceptions import ServiceError
from services.directory import selectors
from services.directory.errors import DirectoryCode
from services.directory.models import Department, StaffProfile


def department_create(*, name: str, parent: Department | None = None) -> Department:
    with write_transaction(Department):
        _lock_live(parent, field="parent")
        return Department.objects.create(name=name, parent=parent)


def department_update(*, department: Department, version: int, changes: dict) -> Department:
    with write_transaction(Department):
        if "parent" in changes:
            _lock_live(changes["parent"], field="parent")
            if department.pk in selectors.department_ancestors(department=changes["parent"]):
                raise ValidationError(
                    {"parent": ["A department cannot sit under itself or its own sub-department."]}
                )
        return versioned_update(department, version=version, changes=changes)


def department_delete(*, department: Department, version: int) -> None:
    """Soft-delete an empty department; one with live sub-departments or people is refused."""
    with write_transaction(Department):
        _lock(department.pk)
        if selectors.department_has_members(department=department):
            raise ServiceError(DirectoryCode.DEPARTMENT_NOT_EMPTY)
        soft_delete(department, version=version)


def person_create(
    *,
    user,
    display_name: str,
    title: str = "",
    department: Department | None = None,
    phone: str = "",
    email: str = "",
) -> StaffProfile:
    """A user's profile; one live profile per user, checked here (no UNIQUE constraint)."""
    with write_transaction(StaffProfile):
        _lock_live(department, field="department")
        if selectors.profile_of(user=user) is not None:
            raise ServiceError(DirectoryCode.PROFILE_EXISTS)
        return StaffProfile.objects.create(
            user=user,
            display_name=display_name,
            title=title,
            department=department,
            phone=phone,
            email=email,
        )


def person_update(*, profile: StaffProfile, version: int, changes: dict) -> StaffProfile:
    with write_transaction(StaffProfile):
        if "department" in changes:
            _lock_live(changes["department"], field="department")
        return versioned_update(profile, version=version, changes=changes)


def _lock_live(department: Department | None, *, field: str) -> None:
    """Lock the department something is attached to; it must still be live."""
    if department is None:
        return
    if not _lock(department.pk):
        raise ValidationError({field: ["This department no longer exists."]})


def _lock(department_id: int) -> bool:
    """Lock a live department row; False if there is none."""
    rows = Department.objects.select_for_update().filter(pk=department_id)
    return bool(list(rows.values_list("pk", flat=True)))

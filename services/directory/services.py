"""Writes: every change to departments and staff profiles goes through these functions.

A department row is locked (select_for_update) while people or sub-departments are
attached to it and while it is deleted, so on one database a department can never be
deleted while something is being added to it.
"""

from __future__ import annotations

from django.db import transaction
from rest_framework.exceptions import ValidationError

from services.base.concurrency import soft_delete, update_versioned
from services.base.exceptions import RuleViolation
from services.directory import selectors
from services.directory.models import Department, StaffProfile


def department_create(*, name: str, parent: Department | None = None) -> Department:
    with transaction.atomic():
        _lock_live(parent, field="parent")
        return Department.objects.create(name=name, parent=parent)


def department_update(
    *, department: Department, version: int, changes: dict, serializer_class
) -> Department:
    with transaction.atomic():
        if "parent" in changes:
            _lock_live(changes["parent"], field="parent")
            if department.pk in selectors.department_ancestors(department=changes["parent"]):
                raise ValidationError(
                    {"parent": ["A department cannot sit under itself or its own sub-department."]}
                )
        return update_versioned(
            department, version=version, changes=changes, serializer_class=serializer_class
        )


def department_delete(*, department: Department, version: int, serializer_class) -> None:
    """Soft-delete an empty department; one with live sub-departments or people is refused."""
    with transaction.atomic():
        _lock(department.pk)
        if selectors.department_has_members(department=department):
            raise RuleViolation(
                "department_not_empty",
                "Move or remove its sub-departments and people before deleting a department.",
            )
        soft_delete(department, version=version, serializer_class=serializer_class)


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
    with transaction.atomic():
        _lock_live(department, field="department")
        if selectors.profile_of(user=user) is not None:
            raise RuleViolation("profile_exists", "This user already has a profile.")
        return StaffProfile.objects.create(
            user=user,
            display_name=display_name,
            title=title,
            department=department,
            phone=phone,
            email=email,
        )


def person_update(
    *, profile: StaffProfile, version: int, changes: dict, serializer_class
) -> StaffProfile:
    with transaction.atomic():
        if "department" in changes:
            _lock_live(changes["department"], field="department")
        return update_versioned(
            profile, version=version, changes=changes, serializer_class=serializer_class
        )


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

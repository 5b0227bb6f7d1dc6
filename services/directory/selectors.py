"""Reads: departments, staff profiles and the directory search."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from services.directory.models import Department, StaffProfile


def department_list(*, filters: dict) -> QuerySet[Department]:
    departments = Department.objects.select_related("parent")
    if filters.get("parent") is not None:
        departments = departments.filter(parent_id=filters["parent"])
    if filters.get("root"):
        departments = departments.filter(parent__isnull=True)
    if filters.get("q"):
        departments = departments.filter(name__icontains=filters["q"])
    return departments


def person_list(*, filters: dict) -> QuerySet[StaffProfile]:
    people = StaffProfile.objects.select_related("department")
    if filters.get("department") is not None:
        people = people.filter(department_id=filters["department"])
    if filters.get("user") is not None:
        people = people.filter(user_id=filters["user"])
    if filters.get("q"):
        people = people.filter(_matches(filters["q"]))
    return people


def _matches(text: str) -> Q:
    """Every word must match one of name, title, e-mail, phone or department."""
    query = Q()
    for word in text.split()[:8]:
        query &= (
            Q(display_name__icontains=word)
            | Q(title__icontains=word)
            | Q(email__icontains=word)
            | Q(phone__icontains=word)
            | Q(department__name__icontains=word, department__deleted_at__isnull=True)
        )
    return query


def department_has_members(*, department: Department) -> bool:
    return (
        Department.objects.filter(parent=department).exists()
        or StaffProfile.objects.filter(department=department).exists()
    )


def department_ancestors(*, department: Department | None) -> list[int]:
    """Ids from `department` up to its root; stops on a loop (concurrent moves on two nodes)."""
    seen: list[int] = []
    while department is not None and department.pk not in seen:
        seen.append(department.pk)
        department = department.parent
    return seen


def profile_of(*, user) -> StaffProfile | None:
    return StaffProfile.objects.filter(user=user).order_by("id").first()

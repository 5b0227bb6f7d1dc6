"""The directory's cross-row rules, checked and repaired at reconcile (core/invariants.py).

Each holds on one database (services.py checks it under row locks), but two nodes
writing through a partition can each keep it and together break it:

- **one live profile per person** — both nodes created one. Repair: the most recently
  updated profile stays (last writer wins), the others are soft-deleted;
- **no deleted department with live members** — one node deleted an empty department
  while the other put a person or a sub-department in it. Repair: the department is
  revived (the deletion loses: the members are acknowledged writes, and nothing is moved
  behind their owners' backs);
- **no cycle in the department tree** — one node moved X under Y, the other Y under X.
  Repair: the most recently moved department of the cycle goes to the top level.
"""

from __future__ import annotations

from django.db.models import Count

from core.activeactive import versioned_save, versioned_update, write_transaction
from core.clock import now
from core.invariants import Violation
from services.directory.models import Department, StaffProfile

MOVED = "not repaired: changed since it was checked (run the reconcile again)"


def one_live_profile(alias: str) -> list[Violation]:
    live = StaffProfile.objects.using(alias)
    doubled = live.values("user_id").annotate(n=Count("id")).filter(n__gt=1)
    found = []
    for user_id in sorted(row["user_id"] for row in doubled):
        profiles = sorted(
            live.filter(user_id=user_id), key=lambda p: (p.updated_at, -p.origin_node, p.pk)
        )
        keep, extra = profiles[-1], profiles[:-1]
        found.append(
            Violation(
                rule="one live profile per person",
                key=("user", user_id),
                detail=f"user {user_id} has live profiles {sorted(p.pk for p in profiles)}; "
                f"profile {keep.pk} (the newest) stays",
                repair=lambda extra=extra: _retire(extra),
            )
        )
    return found


def _retire(profiles: list[StaffProfile]) -> str:
    for seen in profiles:
        current = StaffProfile.objects.filter(pk=seen.pk).first()
        if current is None or current.version != seen.version:
            return MOVED
        versioned_update(current, version=seen.version, changes={"deleted_at": now()})
    return f"soft-deleted profile(s) {[p.pk for p in profiles]}"


def no_deleted_department_with_members(alias: str) -> list[Violation]:
    deleted = Department.all_objects.using(alias).filter(deleted_at__isnull=False)
    people = StaffProfile.objects.using(alias).filter(department__in=deleted)
    children = Department.objects.using(alias).filter(parent__in=deleted)
    holding = set(people.values_list("department_id", flat=True))
    holding |= set(children.values_list("parent_id", flat=True))
    found = []
    for department in deleted.filter(pk__in=holding).order_by("pk"):
        found.append(
            Violation(
                rule="no deleted department with live members",
                key=("department", department.pk),
                detail=f"department {department.pk} is deleted but still has live members",
                repair=lambda seen=department: _revive(seen),
            )
        )
    return found


def _revive(seen: Department) -> str:
    with write_transaction(Department):
        current = Department.all_objects.select_for_update().filter(pk=seen.pk).first()
        if current is None or current.version != seen.version:
            return MOVED
        current.deleted_at = None
        versioned_save(current, fields=["deleted_at"])
    return f"revived department {seen.pk}"


def department_tree_acyclic(alias: str) -> list[Violation]:
    departments = {d.pk: d for d in Department.objects.using(alias)}
    found, reported = [], set()
    for start in sorted(departments):
        cycle = _cycle_from(start, departments)
        if not cycle or frozenset(cycle) in reported:
            continue
        reported.add(frozenset(cycle))
        newest = max((departments[pk] for pk in cycle), key=lambda d: (d.updated_at, d.pk))
        found.append(
            Violation(
                rule="no cycle in the department tree",
                key=("departments", tuple(sorted(cycle))),
                detail=f"departments {sorted(cycle)} form a cycle; {newest.pk} (moved last) "
                "goes to the top level",
                repair=lambda seen=newest: _to_top(seen),
            )
        )
    return found


def _cycle_from(start, departments: dict) -> list:
    path, pk = [], start
    while pk is not None and pk in departments and pk not in path:
        path.append(pk)
        pk = departments[pk].parent_id
    return path[path.index(pk) :] if pk in path else []


def _to_top(seen: Department) -> str:
    current = Department.objects.filter(pk=seen.pk).first()
    if current is None or current.version != seen.version:
        return MOVED
    versioned_update(current, version=seen.version, changes={"parent": None})
    return f"moved department {seen.pk} to the top level"


CHECKS = [one_live_profile, no_deleted_department_with_members, department_tree_acyclic]

"""The directory's cross-row rules, broken as two nodes break them, found and repaired."""

from __future__ import annotations

import pytest

from services.directory.invariants import CHECKS
from services.directory.models import Department, StaffProfile

pytestmark = pytest.mark.django_db


def found(alias: str = "default") -> dict:
    return {v.rule: v for check in CHECKS for v in check(alias)}


def test_two_live_profiles_of_one_person_leave_the_newest(make_user):
    person = make_user("twin")
    first = StaffProfile.objects.create(user=person, display_name="On A")
    newest = StaffProfile.objects.create(user=person, display_name="On B")
    violation = found()["one live profile per person"]
    assert violation.key == ("user", person.pk) and str(newest.pk) in violation.detail
    assert violation.repair().startswith("soft-deleted")
    assert list(StaffProfile.objects.filter(user=person)) == [newest]
    assert StaffProfile.all_objects.get(pk=first.pk).deleted_at is not None
    assert "one live profile per person" not in found()


def test_a_department_deleted_with_a_live_member_is_revived(make_user):
    department = Department.objects.create(name="Gone")
    StaffProfile.objects.create(user=make_user("member"), display_name="M", department=department)
    Department.all_objects.filter(pk=department.pk).update(deleted_at=department.created_at)
    violation = found()["no deleted department with live members"]
    assert violation.repair() == f"revived department {department.pk}"
    assert Department.objects.filter(pk=department.pk).exists()
    assert found() == {}


def test_a_cycle_in_the_tree_is_broken_at_the_department_moved_last():
    x, y = Department.objects.create(name="X"), Department.objects.create(name="Y")
    Department.objects.filter(pk=x.pk).update(parent=y)
    Department.objects.filter(pk=y.pk).update(parent=x, updated_at=x.updated_at.replace(year=2099))
    violation = found()["no cycle in the department tree"]
    assert violation.key == ("departments", tuple(sorted((x.pk, y.pk))))
    assert violation.repair() == f"moved department {y.pk} to the top level"
    assert Department.objects.get(pk=y.pk).parent_id is None and found() == {}


def test_a_repair_of_a_row_changed_since_the_check_does_nothing(make_user):
    person = make_user("moved")
    StaffProfile.objects.create(user=person, display_name="1")
    StaffProfile.objects.create(user=person, display_name="2")
    violation = found()["one live profile per person"]
    StaffProfile.objects.filter(user=person).update(version=9)
    assert violation.repair().startswith("not repaired")
    assert StaffProfile.objects.filter(user=person).count() == 2

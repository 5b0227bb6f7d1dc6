"""directory: the department tree, search, own-profile edits, admin rights (the shared contract
suite checks grants, versions and pagination on profiles)."""

from __future__ import annotations

import pytest

from services.directory.models import Department, StaffProfile
from services.directory.services import department_create, person_create

pytestmark = pytest.mark.django_db
BASE = "/api/v1/directory"


@pytest.fixture
def as_boss(connect, boss):
    return connect(boss)


@pytest.fixture
def engineering():
    return department_create(name="Engineering")


@pytest.fixture
def writer_profile(writer, engineering):
    return person_create(
        user=writer,
        display_name="Min-jun Lee",
        title="Backend engineer",
        department=engineering,
        phone="+44 20 7946 0101",
        email="minjun@example.com",
    )


def names(response) -> list[str]:
    assert response.status == 200, response.data
    return [row.get("display_name", row.get("name")) for row in response.data["results"]]


def test_an_admin_builds_the_department_tree(as_boss):
    root = as_boss.post(f"{BASE}/departments/", {"name": "Operations"})
    child = as_boss.post(f"{BASE}/departments/", {"name": "Facilities", "parent": root.data["id"]})
    assert (root.status, child.status) == (201, 201)
    assert child.data["parent"] == root.data["id"] and child.data["version"] == 1
    assert names(as_boss.get(f"{BASE}/departments/", {"parent": root.data["id"]})) == ["Facilities"]
    assert names(as_boss.get(f"{BASE}/departments/", {"root": "true"})) == ["Operations"]


def test_a_parent_that_would_make_a_cycle_is_refused(as_boss):
    top = department_create(name="Top")
    middle = department_create(name="Middle", parent=top)
    bottom = department_create(name="Bottom", parent=middle)
    for parent in (bottom, top):
        response = as_boss.patch(
            f"{BASE}/departments/{top.pk}/", {"parent": parent.pk, "version": 1}
        )
        assert response.status == 400 and "parent" in response.data["fields"]
    assert Department.objects.get(pk=top.pk).parent is None
    moved = as_boss.patch(f"{BASE}/departments/{bottom.pk}/", {"parent": top.pk, "version": 1})
    assert (moved.status, moved.data["parent"]) == (200, top.pk)


def test_a_department_with_people_or_sub_departments_cannot_be_deleted(
    as_boss, engineering, writer_profile
):
    department_create(name="Platform", parent=engineering)
    response = as_boss.delete(f"{BASE}/departments/{engineering.pk}/", {"version": 1})
    assert (response.status, response.code) == (409, "department_not_empty")
    assert Department.objects.filter(pk=engineering.pk).exists()


def test_an_empty_department_is_soft_deleted(as_boss):
    empty = department_create(name="Old team")
    assert as_boss.delete(f"{BASE}/departments/{empty.pk}/").status == 400
    assert as_boss.delete(f"{BASE}/departments/{empty.pk}/", {"version": 1}).status == 204
    assert as_boss.get(f"{BASE}/departments/{empty.pk}/").status == 404
    assert Department.all_objects.get(pk=empty.pk).deleted_at is not None
    attach = as_boss.post(f"{BASE}/departments/", {"name": "Orphan", "parent": empty.pk})
    assert attach.status == 400 and "parent" in attach.data["fields"]


def test_only_an_admin_creates_or_edits_departments(connect, writer, engineering):
    api = connect(writer)
    created = api.post(f"{BASE}/departments/", {"name": "Shadow IT"})
    edited = api.patch(f"{BASE}/departments/{engineering.pk}/", {"name": "x", "version": 1})
    deleted = api.delete(f"{BASE}/departments/{engineering.pk}/", {"version": 1})
    assert {r.status for r in (created, edited, deleted)} == {403}
    assert created.code == "missing_grant"
    assert list(Department.objects.values_list("name", flat=True)) == ["Engineering"]


def test_search_matches_name_title_email_phone_and_department(
    connect, reader, writer_profile, boss
):
    person_create(user=boss, display_name="Sofia Rossi", title="Controller", email="sofia@ex.com")
    api = connect(reader)
    for query in ("min-jun", "BACKEND", "minjun@", "7946 0101", "engineer", "lee engineering"):
        assert names(api.get(f"{BASE}/people/", {"q": query})) == ["Min-jun Lee"], query
    assert names(api.get(f"{BASE}/people/", {"q": "controller"})) == ["Sofia Rossi"]
    by_department = api.get(f"{BASE}/people/", {"department": writer_profile.department_id})
    assert names(by_department) == ["Min-jun Lee"]
    page = api.get(f"{BASE}/people/", {"page_size": 1})
    assert page.data["count"] == 2 and len(page.data["results"]) == 1 and page.data["next"]
    assert api.get(f"{BASE}/people/", {"department": "sales"}).status == 400


def test_a_person_edits_their_own_phone_and_email(connect, writer, writer_profile):
    response = connect(writer).patch(
        f"{BASE}/people/{writer_profile.pk}/",
        {"phone": "+44 20 7946 0999", "email": "mj@example.com", "version": 1},
    )
    assert response.status == 200, response.data
    assert (response.data["phone"], response.data["email"]) == (
        "+44 20 7946 0999",
        "mj@example.com",
    )
    assert response.data["version"] == 2 and response.data["department_name"] == "Engineering"


@pytest.mark.parametrize(
    "field", [{"title": "CTO"}, {"display_name": "Boss"}, {"department": None}, {"user": 1}]
)
def test_a_person_cannot_edit_other_fields_of_their_own_profile(
    connect, writer, writer_profile, field
):
    response = connect(writer).patch(
        f"{BASE}/people/{writer_profile.pk}/", {**field, "phone": "123", "version": 1}
    )
    assert (response.status, response.code) == (403, "field_not_editable")
    assert StaffProfile.objects.get(pk=writer_profile.pk).version == 1


def test_a_person_cannot_edit_someone_elses_profile(connect, colleague, writer_profile):
    response = connect(colleague).patch(
        f"{BASE}/people/{writer_profile.pk}/", {"phone": "+1 555 0100", "version": 1}
    )
    assert (response.status, response.code) == (403, "not_own_profile")
    assert StaffProfile.objects.get(pk=writer_profile.pk).phone == "+44 20 7946 0101"


def test_an_admin_creates_profiles_and_edits_every_field(as_boss, colleague, writer_profile):
    created = as_boss.post(
        f"{BASE}/people/", {"user": colleague.pk, "display_name": "Amara Okafor", "title": "COO"}
    )
    assert (created.status, created.data["department"]) == (201, None)
    assert created.data["department_name"] is None
    edited = as_boss.patch(
        f"{BASE}/people/{writer_profile.pk}/", {"title": "Lead engineer", "version": 1}
    )
    assert (edited.status, edited.data["title"]) == (200, "Lead engineer")


def test_a_second_profile_for_one_user_is_refused(as_boss, writer, writer_profile):
    response = as_boss.post(f"{BASE}/people/", {"user": writer.pk, "display_name": "Again"})
    assert (response.status, response.code) == (409, "profile_exists")
    assert StaffProfile.objects.filter(user=writer).count() == 1


def test_only_an_admin_creates_profiles(connect, colleague):
    response = connect(colleague).post(
        f"{BASE}/people/", {"user": colleague.pk, "display_name": "Me"}
    )
    assert (response.status, response.code) == (403, "missing_grant")
    assert not StaffProfile.objects.exists()


def test_a_read_only_caller_cannot_edit_even_their_own_profile(connect, reader):
    profile = person_create(user=reader, display_name="Reader")
    response = connect(reader).patch(
        f"{BASE}/people/{profile.pk}/", {"phone": "1234", "version": 1}
    )
    assert (response.status, response.code) == (403, "missing_grant")
    assert StaffProfile.objects.get(pk=profile.pk).phone == ""


@pytest.mark.parametrize(
    "payload",
    [
        {"phone": "call me maybe", "version": 1},
        {"email": "not-an-address", "version": 1},
        {"phone": "1" * 41, "version": 1},
        {"email": ["a@b.c"], "version": 1},
        {"phone": "123"},
    ],
)
def test_invalid_profile_edits_are_a_400_with_field_errors(
    connect, writer, writer_profile, payload
):
    response = connect(writer).patch(f"{BASE}/people/{writer_profile.pk}/", payload)
    assert (response.status, response.code) == (400, "invalid")
    assert response.data["fields"]
    assert StaffProfile.objects.get(pk=writer_profile.pk).version == 1


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"user": 999999, "display_name": "Ghost"},
        {"display_name": "No user"},
        {"user": "me", "display_name": "x"},
        {"display_name": "", "department": 999999},
    ],
)
def test_invalid_profiles_are_a_400_and_nothing_is_written(as_boss, payload):
    response = as_boss.post(f"{BASE}/people/", payload)
    assert (response.status, response.code) == (400, "invalid")
    assert response.data["fields"]
    assert not StaffProfile.objects.exists()


@pytest.mark.parametrize(
    "payload", [{}, {"name": ""}, {"name": "x" * 201}, {"name": "A", "parent": 0}]
)
def test_invalid_departments_are_a_400(as_boss, payload):
    response = as_boss.post(f"{BASE}/departments/", payload)
    assert (response.status, response.code) == (400, "invalid")
    assert not Department.objects.exists()

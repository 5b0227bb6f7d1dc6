"""The grant form: services from the registry, every refusal in plain words."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from core import registry
from credential.forms import GrantForm, service_choices
from credential.models import AuditEvent, Grant

pytestmark = pytest.mark.django_db
GRANTS = "/admin/credential/grant/"


@pytest.fixture
def root_client(client, make_user):
    client.force_login(make_user("root", superuser=True, is_staff=True))
    return client


@pytest.fixture
def sales():
    return Group.objects.create(name="sales")


def form(**data) -> GrantForm:
    return GrantForm(data={"can_read": "on", **data})


def messages(bound: GrantForm) -> list[str]:
    return [message for errors in bound.errors.values() for message in errors]


def test_the_service_is_chosen_from_the_registrys_services():
    codes = [code for code, _ in service_choices()][1:]
    assert codes == [c.code for c in registry.services() if c.requires_grant]
    assert dict(service_choices())["task"] == "Tasks (task)"


def test_a_service_that_does_not_exist_is_refused_in_plain_words(sales):
    bound = form(service="tsk", group=sales.pk)
    assert not bound.is_valid()
    assert messages(bound) == ["“tsk” is not a service of this platform: choose one from the list."]


def test_an_existing_grant_for_an_unknown_service_shows_and_is_refused_until_changed(sales):
    grant = Grant.objects.create(service="tsk", group=sales)
    bound = GrantForm(
        data={"service": "tsk", "group": sales.pk, "can_read": "on", "seen_version": 1},
        instance=grant,
    )
    assert "tsk — not a service of this platform" in dict(bound.fields["service"].choices).values()
    assert not bound.is_valid()
    assert bound.errors["service"] == [
        "“tsk” is not a service of this platform: choose one from the list."
    ]


def test_a_grant_to_both_a_group_and_a_person_says_so(sales, make_user):
    bound = form(service="task", group=sales.pk, user=make_user("ann").pk)
    assert not bound.is_valid()
    assert bound.errors["user"] == [
        "A grant goes to a group or to one person, not both: clear one."
    ]
    assert "Constraint" not in str(bound.errors)


def test_a_grant_to_nobody_says_who_is_missing():
    bound = form(service="task")
    assert not bound.is_valid()
    assert bound.errors["group"] == ["Choose who receives this grant: a group, or one person."]
    assert "Constraint" not in str(bound.errors)


def test_a_grant_without_any_action_is_refused(sales):
    bound = GrantForm(data={"service": "task", "group": sales.pk})
    assert not bound.is_valid()
    assert bound.non_field_errors() == [
        "Tick at least one of read, write and admin: a grant with none gives nothing. To take "
        "access away, delete the grant."
    ]


def test_a_second_grant_for_the_same_service_and_holder_points_to_the_first(sales):
    Grant.objects.create(service="task", group=sales)
    bound = form(service="task", group=sales.pk)
    assert not bound.is_valid()
    assert bound.non_field_errors() == [
        "Group “sales” already has a grant for task: change that grant instead."
    ]


def test_the_admin_page_shows_the_plain_message_not_the_constraint(root_client, sales, make_user):
    data = {"service": "task", "group": sales.pk, "user": make_user("ann").pk, "can_read": "on"}
    response = root_client.post(f"{GRANTS}add/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "not both: clear one" in page
    assert "credential_grant_to_group_or_user" not in page
    assert not Grant.objects.exists()


def test_saving_a_grant_in_the_admin_records_the_diff_with_who(root_client, sales):
    response = root_client.post(
        f"{GRANTS}add/", {"service": "task", "group": sales.pk, "can_read": "on"}
    )
    assert response.status_code == 302
    grant = Grant.objects.get()
    data = {
        "service": "task",
        "group": sales.pk,
        "can_read": "on",
        "can_write": "on",
        "seen_version": grant.version,
    }
    assert root_client.post(f"{GRANTS}{grant.pk}/change/", data).status_code == 302
    events = list(AuditEvent.objects.filter(kind="grant_changed").order_by("at", "pk"))
    assert [e.detail["action"] for e in events] == ["added", "changed"]
    assert events[1].detail["changes"] == {"write": [False, True]}
    assert events[1].detail["by"] == "root" and events[1].node == "A"
    assert events[1].detail["group_id"] == sales.pk


def test_two_inline_rows_for_one_service_are_refused(root_client, sales):
    data = {
        "name": "sales",
        "grants-TOTAL_FORMS": "2",
        "grants-INITIAL_FORMS": "0",
        "grants-0-service": "task",
        "grants-0-can_read": "on",
        "grants-1-service": "task",
        "grants-1-can_write": "on",
    }
    response = root_client.post(f"/admin/auth/group/{sales.pk}/change/", data)
    assert response.status_code == 200
    assert "Two rows grant task" in response.content.decode()
    assert not Grant.objects.exists()

"""A person's page: sessions revoked, deactivation instead of deletion, Django's
permission boxes only where they mean something, and every save recorded as a diff."""

from __future__ import annotations

import os

import pytest
from django.contrib.auth.models import Group
from django.db import OperationalError

from credential.models import AuditEvent, Grant, Session
from credential.sessions import hash_session_id, session_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
USERS = "/admin/auth/user/"


@pytest.fixture
def root(make_user):
    return make_user("root", superuser=True, is_staff=True)


@pytest.fixture
def root_client(client, root):
    client.force_login(root)
    return client


def page_of(client, user) -> str:
    response = client.get(f"{USERS}{user.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def change_data(user, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "groups": [g.pk for g in user.groups.all()],
        "grants-TOTAL_FORMS": "0",
        "grants-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def session_of(api) -> Session:
    return Session.objects.get(id_hash=hash_session_id(api.session.session_id))


def test_the_page_lists_live_sessions_with_revoke_buttons_outside_the_main_form(
    root_client, connect, writer
):
    api = connect(writer)
    session = session_of(api)
    page = page_of(root_client, writer)
    assert f'data-ref="{session.short_ref}"' in page
    # The button sits in the page's form; the form it submits comes after that one, so
    # pressing Enter in a field saves the person and never revokes a session.
    main_form, rest = page.split('id="user_form"')[1].split("</form>", 1)
    assert f'form="revoke-{session.pk}"' in main_form
    assert f'<form id="revoke-{session.pk}"' in rest


def test_revoking_a_session_from_the_page_ends_it_and_the_client_is_refused(
    root_client, connect, writer
):
    chosen, other = connect(writer), connect(writer)
    response = root_client.post(
        f"{USERS}{writer.pk}/sessions/revoke/", {"session": str(session_of(chosen).pk)}, follow=True
    )
    assert "Revoked 1 session of writer" in response.content.decode()
    refused = chosen.get("/api/v1/credential/me")
    assert (refused.status, refused.code) == (401, "session_invalid")
    assert other.get("/api/v1/credential/me").status == 200
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.REVOKE)
    assert (event.username, event.detail["by"]) == ("writer", "root")


def test_revoke_all_ends_every_session_of_the_person(root_client, connect, writer):
    clients = [connect(writer) for _ in range(2)]
    response = root_client.post(f"{USERS}{writer.pk}/sessions/revoke/", {"session": "all"})
    assert response.status_code == 302
    assert [api.get("/api/v1/credential/me").status for api in clients] == [401, 401]


def test_revoking_needs_a_post(root_client, writer):
    assert root_client.get(f"{USERS}{writer.pk}/sessions/revoke/").status_code == 405


def test_the_deactivate_page_says_what_will_happen_before_anything_does(root_client, writer):
    page = root_client.get(f"{USERS}{writer.pk}/deactivate/").content.decode()
    assert "sign-in is refused" in page and "every live session is ended" in page
    assert "nothing is deleted" in page
    writer.refresh_from_db()
    assert writer.is_active


def test_deactivating_ends_sessions_refuses_sign_in_and_is_audited(root_client, connect, writer):
    api = connect(writer)
    response = root_client.post(f"{USERS}{writer.pk}/deactivate/", follow=True)
    assert "Deactivated writer: sign-in refused, 1 session ended." in response.content.decode()
    writer.refresh_from_db()
    assert writer.is_active is False
    assert api.get("/api/v1/credential/me").code == "session_invalid"
    assert connect().login("writer", PASSWORD).code == "invalid_credentials"
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.USER_DEACTIVATED)
    assert (event.username, event.detail["by"], event.detail["sessions_ended"]) == (
        "writer",
        "root",
        1,
    )


def test_the_list_action_deactivates_after_a_confirmation_page(root_client, writer, reader):
    ids = [writer.pk, reader.pk]
    first = root_client.post(USERS, {"action": "deactivate_selected", "_selected_action": ids})
    assert first.status_code == 200 and 'data-testid="confirm-deactivate"' in first.content.decode()
    writer.refresh_from_db()
    assert writer.is_active  # nothing happens before the confirmation
    confirmed = {"action": "deactivate_selected", "_selected_action": ids, "confirm": "yes"}
    assert root_client.post(USERS, confirmed).status_code == 302
    assert not writer.__class__.objects.filter(pk__in=ids, is_active=True).exists()


def test_a_home_database_that_refuses_the_write_is_said_plainly(root_client, writer, monkeypatch):
    def refused(*args, **kwargs):
        raise OperationalError(2003, "Can't connect to MySQL server")

    monkeypatch.setattr("credential.users._set_active", refused)
    response = root_client.post(f"{USERS}{writer.pk}/deactivate/", follow=True)
    assert response.status_code == 200
    assert "did not take the change, so writer is still active" in response.content.decode()
    writer.refresh_from_db()
    assert writer.is_active


def test_nobody_deactivates_their_own_account(root_client, root):
    response = root_client.post(f"{USERS}{root.pk}/deactivate/", follow=True)
    assert "You cannot deactivate your own account" in response.content.decode()
    root.refresh_from_db()
    assert root.is_active


def test_a_deactivated_person_can_be_reactivated(root_client, make_user):
    gone = make_user("gone", active=False)
    assert "Reactivate…" in page_of(root_client, gone)
    assert root_client.post(f"{USERS}{gone.pk}/reactivate/").status_code == 302
    gone.refresh_from_db()
    assert gone.is_active
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.USER_REACTIVATED).count() == 1


def test_people_and_groups_cannot_be_deleted(root_client, writer):
    group = Group.objects.create(name="sales")
    assert root_client.get(f"{USERS}{writer.pk}/delete/").status_code == 403
    assert root_client.get(f"/admin/auth/group/{group.pk}/delete/").status_code == 403
    listing = root_client.get(USERS).content.decode()
    assert "delete_selected" not in listing and "deactivate_selected" in listing


def test_django_permissions_show_only_for_staff_who_are_not_superusers(root_client, make_user):
    plain, staff = make_user("plain"), make_user("desk", is_staff=True)
    for user, shown in ((plain, False), (staff, True)):
        page = page_of(root_client, user)
        assert ('name="user_permissions"' in page) is shown
        assert "they have no effect in the desktop" in page
    assert 'name="user_permissions"' not in page_of(root_client, make_user("su", superuser=True))


def test_the_active_flag_is_not_a_checkbox_on_the_page(root_client, writer):
    page = page_of(root_client, writer)
    assert 'name="is_active"' not in page
    root_client.post(f"{USERS}{writer.pk}/change/", change_data(writer, is_active=""))
    writer.refresh_from_db()
    assert writer.is_active


def test_the_lockout_section_has_its_place_on_the_page(root_client, writer):
    assert 'data-testid="lockout"' in page_of(root_client, writer)


def test_saving_a_person_records_each_changed_field_before_and_after(root_client, writer):
    group = Group.objects.create(name="sales")
    data = change_data(writer, email="w@example.com", groups=[group.pk])
    assert root_client.post(f"{USERS}{writer.pk}/change/", data).status_code == 302
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.USER_CHANGED)
    assert event.detail["changes"] == {"email": ["", "w@example.com"], "groups": [[], ["sales"]]}
    assert (event.username, event.detail["by"], event.node) == ("writer", "root", "A")
    history = root_client.get(f"{USERS}{writer.pk}/history/").content.decode()
    assert "<strong>groups</strong>: <del>—</del> → <ins>sales</ins>" in history


def test_a_password_change_is_recorded_without_any_hash(root_client, writer):
    old_hash = writer.password
    data = {"password1": "N3w-passw0rd-horse", "password2": "N3w-passw0rd-horse"}
    data["set_usable_password"] = "true"
    assert root_client.post(f"{USERS}{writer.pk}/password/", data).status_code == 302
    writer.refresh_from_db()
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.USER_CHANGED)
    assert event.detail["changes"] == {"password": ["(hidden)", "changed"]}
    for secret in (old_hash, writer.password, old_hash.split("$")[-1]):
        assert secret not in str(event.detail)


def test_a_groups_history_holds_its_own_changes_and_its_grants(root_client):
    group = Group.objects.create(name="sales")
    data = {
        "name": "sales-team",
        "grants-TOTAL_FORMS": "1",
        "grants-INITIAL_FORMS": "0",
        "grants-0-service": "task",
        "grants-0-can_read": "on",
    }
    assert root_client.post(f"/admin/auth/group/{group.pk}/change/", data).status_code == 302
    assert Grant.objects.get(group=group).service == "task"
    history = root_client.get(f"/admin/auth/group/{group.pk}/history/").content.decode()
    assert "<strong>name</strong>: <del>sales</del> → <ins>sales-team</ins>" in history
    assert "<strong>service</strong>: <del>—</del> → <ins>task</ins>" in history


def test_the_session_list_and_page_are_titled_for_people(root_client, writer):
    session, _ = session_create(user=writer, key=os.urandom(32), client={}, address=None)
    assert (
        "<h1>Client sessions</h1>" in root_client.get("/admin/credential/session/").content.decode()
    )
    page = root_client.get(f"/admin/credential/session/{session.pk}/change/").content.decode()
    assert f"Session {session.short_ref} of writer" in page

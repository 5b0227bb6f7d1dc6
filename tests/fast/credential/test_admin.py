"""The credential admin: sessions revoked through actions, trails and keys read-only."""

from __future__ import annotations

import base64
import os

import pytest
from django.contrib.auth.models import Group

from credential.models import AuditEvent, Grant, LoginAttempt, ServerKey, Session
from credential.sessions import session_create

SESSIONS = "/admin/credential/session/"


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_user(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, root):
    client.force_login(root)
    return client


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user(username="alice")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user(username="bob")


def new_session(user) -> Session:
    session, _ = session_create(user=user, key=os.urandom(32), client={}, address="127.0.0.1")
    return session


def secret_forms(session: Session) -> list[bytes]:
    """Every way the session's wrapped key or full hash could appear on a page."""
    wrapped = bytes(session.wrapped_key)
    return [
        wrapped,
        wrapped.hex().encode(),
        base64.b64encode(wrapped),
        session.id_hash.encode(),
    ]


@pytest.mark.django_db
def test_the_session_list_shows_a_short_ref_but_never_key_material(admin_client, alice):
    session = new_session(alice)
    response = admin_client.get(SESSIONS)
    assert response.status_code == 200
    assert session.short_ref.encode() in response.content
    for secret in secret_forms(session):
        assert secret not in response.content


@pytest.mark.django_db
def test_a_session_page_is_read_only_and_never_shows_key_material(admin_client, alice):
    session = new_session(alice)
    response = admin_client.get(f"{SESSIONS}{session.pk}/change/")
    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    for secret in secret_forms(session):
        assert secret not in response.content
    assert admin_client.post(f"{SESSIONS}{session.pk}/change/", {}).status_code == 403
    assert admin_client.get(f"{SESSIONS}{session.pk}/delete/").status_code == 403
    assert admin_client.get(f"{SESSIONS}add/").status_code == 403


@pytest.mark.django_db
def test_the_revoke_action_revokes_the_selected_sessions_and_audits_it(admin_client, alice):
    chosen, other = new_session(alice), new_session(alice)
    response = admin_client.post(
        SESSIONS, {"action": "revoke_selected", "_selected_action": [chosen.pk]}, follow=True
    )
    assert b"Revoked 1 session." in response.content
    chosen.refresh_from_db()
    other.refresh_from_db()
    assert chosen.revoked_at is not None and chosen.revoked_reason == "revoked_by_admin"
    assert other.revoked_at is None
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.REVOKE)
    assert (event.username, event.session_ref) == ("alice", chosen.short_ref)
    assert event.detail["by"] == "root"


@pytest.mark.django_db
def test_the_revoke_action_says_when_a_session_had_already_ended(admin_client, alice):
    session = new_session(alice)
    Session.objects.filter(pk=session.pk).update(revoked_at=session.created_at)
    response = admin_client.post(
        SESSIONS, {"action": "revoke_selected", "_selected_action": [session.pk]}, follow=True
    )
    assert b"Revoked 0 sessions; 1 session had already been revoked." in response.content
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_the_revoke_all_action_revokes_every_session_of_the_selected_users(
    admin_client, alice, bob
):
    alices = [new_session(alice) for _ in range(3)]
    bobs = new_session(bob)
    response = admin_client.post(
        SESSIONS, {"action": "revoke_all_of_users", "_selected_action": [alices[0].pk]}, follow=True
    )
    assert b"Revoked 3 sessions of 1 user." in response.content
    assert not Session.objects.filter(user=alice, revoked_at__isnull=True).exists()
    bobs.refresh_from_db()
    assert bobs.revoked_at is None
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.REVOKE).count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize("model", [AuditEvent, LoginAttempt])
def test_the_trails_are_append_only_in_the_admin(admin_client, model):
    if model is AuditEvent:
        row = AuditEvent.objects.create(kind=AuditEvent.Kind.LOGIN_OK, username="alice", node="A")
    else:
        row = LoginAttempt.objects.create(username="alice", succeeded=True)
    base = f"/admin/credential/{model._meta.model_name}/"
    listing = admin_client.get(base)
    assert listing.status_code == 200
    assert f"{base}add/".encode() not in listing.content
    assert admin_client.get(f"{base}add/").status_code == 403
    page = admin_client.get(f"{base}{row.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert admin_client.post(f"{base}{row.pk}/change/", {"username": "eve"}).status_code == 403
    assert admin_client.post(f"{base}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk, username="alice").exists()


@pytest.mark.django_db
def test_server_keys_are_listed_read_only_without_the_private_key(admin_client):
    key = ServerKey.objects.create(
        kid="k1",
        public_key_pem="-----BEGIN PUBLIC KEY-----",
        fingerprint_sha256="ab" * 32,
        wrapped_private_key=b"wrapped-private-secret",
        is_primary=True,
    )
    listing = admin_client.get("/admin/credential/serverkey/")
    assert listing.status_code == 200
    assert b"k1" in listing.content
    page = admin_client.get(f"/admin/credential/serverkey/{key.pk}/change/")
    assert page.status_code == 200
    for content in (listing.content, page.content):
        assert b"wrapped-private-secret" not in content
        assert b"wrapped_private_key" not in content
    assert admin_client.get("/admin/credential/serverkey/add/").status_code == 403
    assert admin_client.post(f"/admin/credential/serverkey/{key.pk}/delete/").status_code == 403


@pytest.mark.django_db
def test_the_group_page_carries_the_grant_inline(admin_client):
    group = Group.objects.create(name="accounting")
    Grant.objects.create(service="task", group=group, can_write=True)
    response = admin_client.get(f"/admin/auth/group/{group.pk}/change/")
    assert response.status_code == 200
    assert b'name="grants-TOTAL_FORMS"' in response.content
    assert b'<option value="task" selected>' in response.content


@pytest.mark.django_db
def test_the_user_page_carries_the_grant_inline(admin_client, alice):
    response = admin_client.get(f"/admin/auth/user/{alice.pk}/change/")
    assert response.status_code == 200
    assert b'name="grants-TOTAL_FORMS"' in response.content


def grant_post(grant: Grant, **changes) -> dict:
    data = {
        "service": grant.service,
        "group": grant.group_id or "",
        "user": grant.user_id or "",
        "can_read": "on",
        "seen_version": grant.version,
    }
    return {**data, **changes}


@pytest.mark.django_db
def test_changing_a_grant_raises_its_version(admin_client):
    grant = Grant.objects.create(service="task", group=Group.objects.create(name="g"))
    url = f"/admin/credential/grant/{grant.pk}/change/"
    response = admin_client.post(url, grant_post(grant, can_write="on"))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.can_write, grant.version) == (True, 2)


@pytest.mark.django_db
def test_a_grant_changed_meanwhile_is_not_overwritten(admin_client):
    grant = Grant.objects.create(service="task", group=Group.objects.create(name="g"))
    stale = grant_post(grant, can_admin="on")
    Grant.objects.filter(pk=grant.pk).update(version=2, can_write=True)
    response = admin_client.post(f"/admin/credential/grant/{grant.pk}/change/", stale)
    assert response.status_code == 200
    assert b"changed by someone else" in response.content
    grant.refresh_from_db()
    assert (grant.can_admin, grant.version) == (False, 2)


@pytest.mark.django_db
def test_changing_a_grant_through_the_group_inline_raises_its_version(admin_client):
    group = Group.objects.create(name="accounting")
    grant = Grant.objects.create(service="task", group=group)
    data = {
        "name": "accounting",
        "grants-TOTAL_FORMS": "1",
        "grants-INITIAL_FORMS": "1",
        "grants-0-id": grant.pk,
        "grants-0-group": group.pk,
        "grants-0-service": "task",
        "grants-0-can_read": "on",
        "grants-0-can_write": "on",
        "grants-0-seen_version": "1",
    }
    response = admin_client.post(f"/admin/auth/group/{group.pk}/change/", data)
    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.can_write, grant.version) == (True, 2)

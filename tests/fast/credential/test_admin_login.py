"""The admin's sign-in: the API's lockout (one store, one count), audited, and unlock."""

from __future__ import annotations

import pytest

from credential.lockout import lockout_clear
from credential.models import AuditEvent, LoginAttempt
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/"


@pytest.fixture
def root(make_user):
    return make_user("root", superuser=True, is_staff=True)


def sign_in(client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address
    )


def signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_forty_wrong_passwords_lock_the_admin_sign_in_until_unlocked(client, root):
    answers = [sign_in(client, "root", "wrong").status_code for _ in range(40)]
    assert answers == [200] * 5 + [429] * 35  # 5 checked and refused, then locked
    locked = sign_in(client, "root", PASSWORD)
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 800
    assert b"Too many failed sign-ins" in locked.content and b'name="password"' in locked.content
    assert not signed_in(client)
    assert LoginAttempt.objects.filter(kind="password", via="admin").count() == 5
    failed = AuditEvent.objects.filter(kind="login_failed", username="root")
    assert [e.detail["via"] for e in failed] == ["admin"] * 5
    assert AuditEvent.objects.filter(kind="login_locked", detail__via="admin").count() == 36

    lockout_clear(username="root", by=root)
    assert sign_in(client, "root", PASSWORD).status_code == 302
    assert signed_in(client)
    ok = AuditEvent.objects.get(kind="login_ok", username="root")
    assert (ok.detail["via"], ok.client_address) == ("admin", "127.0.0.1")


def test_api_failures_count_against_the_admin_sign_in(client, connect, root):
    for _ in range(5):
        assert connect().login("root", "wrong").status == 401
    assert sign_in(client, "root", PASSWORD).status_code == 429
    assert not signed_in(client)


def test_the_admin_sign_in_is_locked_per_address_too(client, root, make_user, settings):
    settings.CREDENTIAL_LOCKOUT_ADDRESS_FAILURES = 3
    for n in range(3):
        sign_in(client, f"guess-{n}", "wrong", address="10.8.8.8")
    assert sign_in(client, "root", PASSWORD, address="10.8.8.8").status_code == 429
    assert sign_in(client, "root", PASSWORD, address="10.8.8.9").status_code == 302


def test_a_right_password_of_a_non_staff_account_is_refused_and_audited(client, boss):
    response = sign_in(client, "boss", PASSWORD)
    assert response.status_code == 200 and not signed_in(client)
    event = AuditEvent.objects.get(kind="login_failed", username="boss")
    assert event.detail == {"via": "admin", "staff": False}


def test_a_right_password_resets_the_count_for_the_admin_too(client, root):
    for _ in range(4):
        sign_in(client, "root", "wrong")
    assert sign_in(client, "root", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, "root", "wrong").status_code == 200
    assert sign_in(client, "root", PASSWORD).status_code == 302

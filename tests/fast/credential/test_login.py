"""Login, lockout and the unknown-user answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.utils import timezone

from credential.models import AuditEvent, LoginAttempt, Session
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_returns_a_session_and_the_callers_grants(connect, make_user):
    user = make_user("carol", grants={"credential": ("read", "write")}, groups=["staff"])
    api = connect()
    response = api.login("carol", PASSWORD, {"app": "Desk", "version": "1.2", "machine": "PC-7"})
    assert response.status == 200 and response.encrypted
    body = response.data
    assert len(body["session_id"]) >= 43
    assert body["idle_timeout_seconds"] == 1800
    assert body["node"] == "A"
    assert body["user"] == {
        "id": user.pk,
        "username": "carol",
        "display_name": "carol",
        "groups": ["staff"],
    }
    assert body["grants"] == {"credential": ["read", "write"]}
    assert body["expires_at"].endswith("Z")
    stored = Session.objects.get(user=user)
    assert stored.client_machine == "PC-7"
    assert body["session_id"] not in (stored.id_hash, str(stored.pk))
    assert AuditEvent.objects.filter(kind="login_ok", username="carol").exists()


def test_a_wrong_password_is_an_encrypted_401(connect, boss):
    response = connect().login("boss", "not the password")
    assert response.status == 401 and response.encrypted
    assert (response.code, response.data["status"]) == ("invalid_credentials", 401)
    assert set(response.data) == {"type", "title", "status", "code", "detail"}
    assert AuditEvent.objects.filter(kind="login_failed", username="boss").count() == 1


class CountingHasher(Argon2PasswordHasher):
    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)

    def verify(self, password, encoded):
        CountingHasher.calls += 1
        return super().verify(password, encoded)


def test_an_unknown_user_gets_the_same_answer_after_the_same_hashing_work(
    connect, make_user, settings
):
    settings.PASSWORD_HASHERS = ["tests.fast.credential.test_login.CountingHasher"]
    make_user("dave")
    answers = []
    for username in ("dave", "nobody-by-this-name"):
        CountingHasher.calls = 0
        response = connect().login(username, "wrong password")
        answers.append((response.status, response.data, CountingHasher.calls))
    assert answers[0] == answers[1]
    assert (answers[0][0], answers[0][1]["code"], answers[0][2]) == (401, "invalid_credentials", 1)


def test_an_inactive_user_is_refused_like_a_wrong_password(connect, make_user):
    make_user("gone", active=False)
    response = connect().login("gone", PASSWORD)
    assert (response.status, response.code) == (401, "invalid_credentials")


def test_a_login_payload_with_wrong_types_is_an_encrypted_400(connect, boss):
    api = connect()
    api.login("boss", PASSWORD)  # to learn nothing; then a raw bad payload below
    response = connect().login(["boss"], PASSWORD)
    assert response.status == 400 and response.encrypted
    assert response.data["code"] == "invalid"
    assert "username" in response.data["fields"]


def test_five_failures_lock_the_user_out_with_retry_after(connect, boss):
    for _ in range(5):
        assert connect().login("boss", "wrong").status == 401
    locked = connect().login("boss", PASSWORD)
    assert locked.status == 429 and locked.encrypted
    assert locked.data["code"] == "locked_out"
    assert 890 <= locked.data["retry_after_seconds"] <= 900
    assert AuditEvent.objects.filter(kind="login_locked", username="boss").exists()


def test_the_user_lock_ends_after_the_lockout_period(connect, boss):
    for _ in range(5):
        connect().login("boss", "wrong")
    LoginAttempt.objects.update(at=timezone.now() - timedelta(minutes=16))
    assert connect().login("boss", PASSWORD).status == 200


def test_a_success_resets_the_users_failure_count(connect, boss):
    for _ in range(4):
        connect().login("boss", "wrong")
    assert connect().login("boss", PASSWORD).status == 200
    for _ in range(4):
        connect().login("boss", "wrong")
    assert connect().login("boss", PASSWORD).status == 200


def test_many_failures_from_one_address_lock_that_address_only(connect, boss, settings):
    settings.CREDENTIAL_LOCKOUT_ADDRESS_FAILURES = 6
    for n in range(6):
        connect(address="10.9.9.9").login(f"someone-{n}", "wrong")
    assert connect(address="10.9.9.9").login("boss", PASSWORD).status == 429
    assert connect(address="10.1.1.1").login("boss", PASSWORD).status == 200


def test_lockout_can_be_turned_off(connect, boss, settings):
    settings.CREDENTIAL_LOCKOUT_ENABLED = False
    for _ in range(6):
        connect().login("boss", "wrong")
    assert connect().login("boss", PASSWORD).status == 200


def test_login_with_a_pinned_fingerprint_refuses_another_key(server_key, boss):
    from client import PlatformClient
    from client.errors import PinningError
    from tests.support.transport import InProcessTransport

    api = PlatformClient(
        "http://testserver", pinned_fingerprints=["00" * 32], transport=InProcessTransport()
    )
    with pytest.raises(PinningError):
        api.login("boss", PASSWORD)

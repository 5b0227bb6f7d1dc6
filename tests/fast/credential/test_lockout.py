"""Lockout: what a failed login records, unlock (function and command), the state shown."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from credential.lockout import (
    UNKNOWN_PREFIX,
    attempt_begin,
    lockout_clear,
    lockout_state,
    login_name,
)
from credential.models import AuditEvent, LoginAttempt
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
# A password typed into the username field: it must be stored nowhere.
TYPED_PASSWORD = "Hunter2-my-real-password!"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def stored_text() -> str:
    rows = list(LoginAttempt.objects.values()) + list(AuditEvent.objects.values())
    return json.dumps(rows, default=str)


def test_a_failed_login_records_the_username_only_when_it_names_an_account(connect, boss, caplog):
    caplog.set_level(logging.INFO)
    assert connect().login("boss", "wrong").status == 401
    assert connect().login(TYPED_PASSWORD, "wrong").status == 401
    names = list(LoginAttempt.objects.order_by("at").values_list("username", flat=True))
    assert names[0] == "boss"
    assert names[1].startswith(UNKNOWN_PREFIX) and len(names[1]) == len(UNKNOWN_PREFIX) + 16
    failed = AuditEvent.objects.filter(kind="login_failed").order_by("at")
    assert [e.username for e in failed] == names
    assert TYPED_PASSWORD not in stored_text()
    logged = " ".join(str(vars(record)) for record in caplog.records)  # messages and extras
    assert TYPED_PASSWORD not in logged
    assert names[1] in logged  # the hash is what the log says instead


def test_the_hash_of_an_unknown_name_is_stable_and_keyed(settings):
    first = login_name("no-such-person")
    assert login_name("no-such-person") == first != login_name("no-such-person2")
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert login_name("no-such-person") != first


def test_an_unknown_name_is_locked_out_like_an_account(connect, boss):
    for _ in range(5):
        assert connect().login(TYPED_PASSWORD, "wrong").status == 401
    locked = connect().login(TYPED_PASSWORD, "wrong")
    assert (locked.status, locked.code) == (429, "locked_out")
    assert connect().login("boss", PASSWORD).status == 200  # another name is not locked


def test_a_locked_attempt_records_nothing(connect, boss):
    for _ in range(5):
        connect().login("boss", "wrong")
    for _ in range(3):
        assert connect().login("boss", "wrong").status == 429
    assert LoginAttempt.objects.filter(kind="password").count() == 5


def test_lockout_state_shows_the_names_count_and_each_addresss(connect, boss):
    for address in ("10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.2", "10.0.0.2"):
        connect(address=address).login("boss", "wrong")
    state = lockout_state("boss")
    assert state.name == "boss" and state.locked
    assert (state.user.failures, state.user.locked) == (5, True)
    assert [(a.subject, a.failures, a.locked) for a in state.addresses] == [
        ("10.0.0.1", 2, False),
        ("10.0.0.2", 3, False),
    ]
    assert state.user.locked_until > LoginAttempt.objects.order_by("-at").first().at


def test_unlocking_a_name_appends_a_marker_and_lets_the_right_password_in(connect, boss, root):
    for _ in range(5):
        connect().login("boss", "wrong")
    assert connect().login("boss", PASSWORD).status == 429
    attempts = LoginAttempt.objects.count()
    assert lockout_clear(username="boss", by=root) == "boss"
    assert LoginAttempt.objects.count() == attempts + 1  # nothing deleted
    marker = LoginAttempt.objects.get(kind="unlock")
    assert (marker.username, marker.succeeded, marker.client_address) == ("boss", None, None)
    event = AuditEvent.objects.get(kind="login_unlocked")
    assert (event.username, event.detail["by"]) == ("boss", "root")
    assert not lockout_state("boss").locked
    assert connect().login("boss", PASSWORD).status == 200


def test_unlocking_an_address_lifts_the_address_lock_only(connect, boss, settings):
    settings.CREDENTIAL_LOCKOUT_ADDRESS_FAILURES = 3
    for n in range(3):
        connect(address="10.9.9.9").login(f"someone-{n}", "wrong")
    assert connect(address="10.9.9.9").login("boss", PASSWORD).status == 429
    lockout_clear(address="10.9.9.9")
    assert connect(address="10.9.9.9").login("boss", PASSWORD).status == 200
    with pytest.raises(ValueError):
        lockout_clear()


def test_the_unlock_command_is_a_dry_run_unless_applied(connect, boss):
    for _ in range(5):
        connect(address="10.0.0.7").login("boss", "wrong")
    shown = run("credential_unlock", "boss", "--address", "10.0.0.7")
    assert "user boss: 5 failure(s) in the window, locked until" in shown
    assert "address 10.0.0.7: 5 failure(s)" in shown and "Dry run" in shown
    assert not LoginAttempt.objects.filter(kind="unlock").exists()
    assert connect().login("boss", PASSWORD).status == 429
    applied = run("credential_unlock", "boss", "--address", "10.0.0.7", "--apply")
    assert "Unlocked boss and address 10.0.0.7." in applied
    assert AuditEvent.objects.get(kind="login_unlocked").detail["by"] == "command"
    assert connect().login("boss", PASSWORD).status == 200


def test_the_unlock_command_names_an_unknown_name_by_its_hash_and_checks_the_address(db):
    shown = run("credential_unlock", "nobody-here")
    assert login_name("nobody-here") in shown and "not locked" in shown
    with pytest.raises(CommandError, match="--address"):
        run("credential_unlock", "boss", "--address", "not-an-address")


def test_attempts_are_recorded_even_with_lockout_off(settings, boss):
    settings.CREDENTIAL_LOCKOUT_ENABLED = False
    for _ in range(7):
        attempt = attempt_begin(name="boss", address="10.0.0.1", via="api")
        assert attempt.pk is not None
    assert LoginAttempt.objects.filter(username="boss").count() == 7


@pytest.fixture
def root(make_user):
    return make_user("root", superuser=True, is_staff=True)

"""A changed password ends the user's sessions, through every path that changes one."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.hashers import identify_hasher, make_password
from django.core.management import call_command
from django.test import Client

from credential.models import AuditEvent, Session
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Correct-battery-horse-7"
ROOT = Path(__file__).resolve().parents[3]


def assert_ended(api) -> None:
    """The old session is refused for a read and for a write alike.

    The client forgets a session refused as invalid; the write resumes it by hand, as an
    attacker holding a copy of the session would.
    """
    state = api.session
    read = api.get("/api/v1/credential/me")
    api.resume(state)
    write = api.post("/api/v1/task/tasks/", {"title": "after the change"})
    assert (read.status, read.code) == (401, "session_invalid")
    assert (write.status, write.code) == (401, "session_invalid")


def assert_alive(api) -> None:
    assert api.get("/api/v1/credential/me").status == 200
    assert api.post("/api/v1/task/tasks/", {"title": "still in"}).status == 201


@pytest.fixture
def root(make_user):
    return make_user("root", superuser=True, is_staff=True)


@pytest.fixture
def admin_browser(root):
    browser = Client()
    browser.force_login(root)
    return browser


def test_set_password_and_save_ends_every_session_of_that_user_only(connect, boss, writer):
    first, second, other = connect(boss), connect(boss), connect(writer)
    boss.set_password(NEW_PASSWORD)
    boss.save()
    assert_ended(first)
    assert_ended(second)
    assert_alive(other)
    assert Session.objects.filter(user=boss, revoked_reason="password_changed").count() == 2
    event = AuditEvent.objects.get(kind="password_changed")
    assert (event.username, event.detail["sessions_ended"]) == ("boss", 2)
    assert connect(boss, password=NEW_PASSWORD).get("/api/v1/credential/me").status == 200


def test_the_admins_password_form_ends_the_users_sessions(connect, boss, admin_browser):
    api = connect(boss)
    response = admin_browser.post(
        f"/admin/auth/user/{boss.pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content
    assert_ended(api)


def test_disabling_password_sign_in_in_the_admin_ends_the_users_sessions(
    connect, boss, admin_browser
):
    api = connect(boss)
    response = admin_browser.post(
        f"/admin/auth/user/{boss.pk}/password/",
        {"usable_password": "false", "unset-password": "Disable password-based authentication"},
    )
    assert response.status_code == 302, response.content
    boss.refresh_from_db()
    assert not boss.has_usable_password()
    assert_ended(api)


def test_the_changepassword_command_ends_the_users_sessions(connect, boss, monkeypatch):
    api = connect(boss)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)
    call_command("changepassword", "boss", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert_ended(api)


def test_the_password_reset_form_ends_the_users_sessions(connect, boss):
    api = connect(boss)
    form = SetPasswordForm(boss, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert form.is_valid(), form.errors
    form.save()
    assert_ended(api)


def test_a_hash_assigned_directly_ends_the_users_sessions(connect, boss):
    api = connect(boss)
    boss.password = make_password(NEW_PASSWORD)
    boss.save(update_fields=["password"])
    assert_ended(api)


def test_saving_a_user_without_a_new_password_leaves_sessions_alone(connect, boss):
    api = connect(boss)
    boss.first_name = "Big"
    boss.save()
    boss.save(update_fields=["last_login"])
    assert_alive(api)
    assert not AuditEvent.objects.filter(kind="password_changed").exists()


def test_djangos_hash_upgrade_at_login_is_not_a_password_change(connect, boss, django_user_model):
    api = connect(boss)
    # An old-profile hash (QuerySet.update sends no signal); the next login upgrades it.
    stale = make_password(PASSWORD, hasher="pbkdf2_sha256")
    django_user_model.objects.filter(pk=boss.pk).update(password=stale)
    connect(boss)
    boss.refresh_from_db()
    assert identify_hasher(boss.password).algorithm == "argon2"
    assert_alive(api)


def test_an_admin_changing_their_own_password_keeps_that_browser_only(connect, root, admin_browser):
    other_browser = Client()
    other_browser.force_login(root)
    api = connect(root)
    response = admin_browser.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content
    assert admin_browser.get("/admin/").status_code == 200
    assert other_browser.get("/admin/").status_code == 302  # back to the sign-in page
    assert_ended(api)


def test_no_code_writes_a_password_hash_around_the_models_save():
    """QuerySet.update and raw SQL send no signal: a password written so ends no session."""
    files = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    around = re.compile(r"\.update\([^)]*\bpassword\s*=|UPDATE\s+`?auth_user`?", re.IGNORECASE)
    offenders = [
        name
        for name in files
        if not name.startswith("tests/") and around.search((ROOT / name).read_text())
    ]
    assert offenders == []

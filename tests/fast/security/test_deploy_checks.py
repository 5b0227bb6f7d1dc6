"""Deployment hardening: Django's deploy checks, the admin's door and cookies, Host checks.

`manage.py check --deploy` runs in a subprocess with a production-like environment
(DEBUG off, real secrets, a public host name) and must report nothing, warnings
included. The HTTPS settings it asks for are env-driven: on by default with DEBUG off,
and turned off by the local trial node and cluster, which serve plain HTTP on loopback.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ADMIN_LOGIN = "/admin/login/?next=/admin/"


def production_env(**overrides: str) -> dict[str, str]:
    """A node's environment as production would set it; nothing from this test run."""
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "platform_site.settings",
        "PLATFORM_ENV_FILE": "",
        "DEBUG": "false",
        "SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(50)),
        "PLATFORM_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "platform.example",
    }
    env.update(overrides)
    return env


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


SETTINGS_PROBE = """
import json, django
django.setup()
from django.conf import settings as s
names = ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
         "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY",
         "SECURE_REDIRECT_EXEMPT"]
print(json.dumps({n: getattr(s, n) for n in names}))
"""


def node_settings(env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SETTINGS_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


def test_check_deploy_reports_nothing_for_a_production_node():
    """Fails until settings.py carries the HTTPS lines docs/SECURITY.md lists."""
    done = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "identified no issues" in output, output


def test_production_defaults_enforce_https_and_the_trial_node_can_turn_them_off():
    production = node_settings(production_env())
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["CSRF_COOKIE_HTTPONLY"] is True
    # The load balancer's health check must not be redirected away.
    assert any(pattern.startswith("^health") for pattern in production["SECURE_REDIRECT_EXEMPT"])

    trial = node_settings(
        production_env(
            SECURE_SSL_REDIRECT="false",
            SECURE_HSTS_SECONDS="0",
            SESSION_COOKIE_SECURE="false",
            CSRF_COOKIE_SECURE="false",
        )
    )
    assert trial["SECURE_SSL_REDIRECT"] is False and trial["SECURE_HSTS_SECONDS"] == 0


# The admin -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_refuses_a_user_who_is_not_staff(client, django_user_model):
    django_user_model.objects.create_user("worker", password="Plain-Staff-4-member")
    answer = client.post(
        ADMIN_LOGIN, {"username": "worker", "password": "Plain-Staff-4-member"}, secure=True
    )
    assert answer.status_code == 200 and b"staff account" in answer.content
    assert "sessionid" not in answer.cookies

    client.force_login(django_user_model.objects.get(username="worker"))
    for path in ("/admin/", "/admin/credential/session/", "/admin/auth/user/"):
        page = client.get(path, secure=True)
        assert page.status_code == 302 and page["Location"].startswith("/admin/login/"), path


@pytest.mark.django_db
def test_the_admin_lets_staff_in(client, django_user_model):
    django_user_model.objects.create_superuser("root", password="Root-Only-8-harbour")
    answer = client.post(
        ADMIN_LOGIN, {"username": "root", "password": "Root-Only-8-harbour"}, secure=True
    )
    assert answer.status_code == 302
    assert client.get("/admin/credential/session/", secure=True).status_code == 200


@pytest.mark.django_db
def test_admin_cookies_are_httponly_samesite_strict_and_secure_with_debug_off(
    client, django_user_model, settings
):
    assert settings.DEBUG is False
    django_user_model.objects.create_superuser("root", password="Root-Only-8-harbour")
    form = client.get(ADMIN_LOGIN, secure=True)
    answer = client.post(
        ADMIN_LOGIN, {"username": "root", "password": "Root-Only-8-harbour"}, secure=True
    )
    cookies = {**form.cookies, **answer.cookies}
    assert {"csrftoken", "sessionid"} <= set(cookies)
    for name in ("csrftoken", "sessionid"):
        morsel = cookies[name]
        assert morsel["secure"] is True, name
        assert morsel["samesite"] == "Strict", name
        assert morsel["httponly"] is True, name


# Host header ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/health/", "/admin/login/", "/api/v1/credential/public-key", "/metrics"]
)
def test_a_host_not_in_allowed_hosts_gets_400(client, path):
    assert client.get(path, HTTP_HOST="evil.example", secure=True).status_code == 400
    assert client.get(path, HTTP_HOST="platform.example.evil", secure=True).status_code == 400


@pytest.mark.django_db
def test_an_encrypted_request_with_a_foreign_host_gets_400(connect, boss):
    from tests.support import wire

    api = connect(boss)
    request = wire.seal(key=api.session.key, session_id=api.session.session_id)
    raw = api.transport.django.generic(
        "GET", request.target, headers={**request.headers, "Host": "evil.example"}, secure=True
    )
    assert raw.status_code == 400

"""A node behind its nginx (gateway/web_server.py): the client's address, the body read.

nginx hands gunicorn each request on a Unix socket (gunicorn leaves REMOTE_ADDR empty)
with X-Real-IP set to the address it saw; these tests speak to the app as nginx does.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.test import Client

from credential.lockout import login_name
from credential.models import LoginAttempt
from tests.fast.security.test_deploy_checks import ROOT, production_env, run_manage
from tests.support.transport import InProcessTransport

pytestmark = pytest.mark.django_db


class FromNginx(InProcessTransport):
    """A request as nginx passes it on: no peer address, the client's in X-Real-IP."""

    def __init__(self, real_ip: str, *, peer: str = "") -> None:
        super().__init__(remote_addr=peer)
        self.real_ip = real_ip

    def send(self, base_url, method, path_and_query, headers, body, timeout):
        headers = {**headers, "X-Real-IP": self.real_ip, "X-Forwarded-Proto": "https"}
        return super().send(base_url, method, path_and_query, headers, body, timeout)


def attempts(username: str) -> list[str]:
    return list(
        LoginAttempt.objects.filter(username=login_name(username)).values_list(
            "client_address", flat=True
        )
    )


def test_behind_the_web_server_a_login_records_the_address_nginx_saw(connect, settings):
    settings.PLATFORM_BEHIND_WEB_SERVER = True
    api = connect()
    api.transport = FromNginx("203.0.113.5")
    assert api.login("nobody-here", "wrong").status == 401
    assert attempts("nobody-here") == ["203.0.113.5"]


def test_on_the_socket_a_request_without_a_valid_x_real_ip_is_refused(settings):
    settings.PLATFORM_BEHIND_WEB_SERVER = True
    for headers in ({}, {"X-Real-IP": "not-an-address"}, {"X-Real-IP": "1.2.3.4, 5.6.7.8"}):
        answer = Client().get("/health/", headers=headers, REMOTE_ADDR="")
        assert answer.status_code == 400, headers
        assert answer["Content-Type"] == "application/problem+json"
        assert json.loads(answer.content)["code"] == "malformed_request"


def test_a_tcp_peer_keeps_its_own_address_even_behind_the_web_server(connect, settings):
    settings.PLATFORM_BEHIND_WEB_SERVER = True
    api = connect()
    api.transport = FromNginx("203.0.113.9", peer="10.0.0.7")
    assert api.login("direct-peer", "wrong").status == 401
    assert attempts("direct-peer") == ["10.0.0.7"]


def test_with_the_setting_off_x_real_ip_is_not_believed(connect, settings):
    assert settings.PLATFORM_BEHIND_WEB_SERVER is False  # the default
    api = connect()
    api.transport = FromNginx("203.0.113.9", peer="10.0.0.8")
    assert api.login("trial-peer", "wrong").status == 401
    assert attempts("trial-peer") == ["10.0.0.8"]


PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.PLATFORM_BEHIND_WEB_SERVER, s.SECURE_PROXY_SSL_HEADER]))"
)


def node_settings(**overrides: str) -> list:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=production_env(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


def test_only_a_node_behind_its_web_server_believes_x_forwarded_proto():
    assert node_settings() == [False, None]
    assert node_settings(PLATFORM_BEHIND_WEB_SERVER="true") == [
        True,
        ["HTTP_X_FORWARDED_PROTO", "https"],
    ]


def test_check_deploy_reports_nothing_for_a_node_behind_its_web_server():
    env = production_env(PLATFORM_BEHIND_WEB_SERVER="true", STATIC_ROOT="/opt/platform/static")
    done = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_answer_made_before_the_body_was_read_leaves_no_byte_unread(settings):
    """gunicorn closes after each answer; an unread body would turn that into a reset."""
    from django.test.client import FakePayload

    settings.PLATFORM_BEHIND_WEB_SERVER = True
    body = b"x" * 300_000
    payload = FakePayload(body)
    answer = Client().generic(  # refused before the body is read: no envelope headers
        "POST",
        "/api/v1/task/tasks/",
        headers={"X-Real-IP": "203.0.113.6"},
        REMOTE_ADDR="",
        CONTENT_LENGTH=str(len(body)),
        CONTENT_TYPE="application/octet-stream",
        **{"wsgi.input": payload},
    )
    assert answer.status_code in (400, 401)
    assert payload.read_started and len(payload) == 0  # nothing left in the stream

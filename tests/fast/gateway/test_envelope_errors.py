"""Every row of the protocol's error table, and tampering with every part of a request."""

from __future__ import annotations

import base64
import os
import time

import pytest

from credential.models import Session
from tests.conftest import PASSWORD
from tests.support import wire
from tests.support.transport import InProcessTransport

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(connect, boss):
    """(transport, session id, key) of a logged-in client."""
    api = connect(boss)
    return api.transport, api.session.session_id, api.session.key


def me(session, **kwargs) -> wire.WireRequest:
    _, session_id, key = session
    return wire.seal(key=key, session_id=session_id, **kwargs)


def test_a_valid_request_gets_a_sealed_answer(session):
    request = me(session)
    raw = wire.send(session[0], request)
    assert raw.status == 200
    assert raw.headers["Content-Type"] == "application/octet-stream"
    assert raw.headers["X-Content-Type"] == "application/json"
    assert wire.open_sealed(raw, request)["user"]["username"] == "boss"
    assert abs(int(raw.headers["X-Server-Time"]) - time.time() * 1000) < 5000


@pytest.mark.parametrize("header", ["X-Nonce", "X-Timestamp", "X-Tag"])
def test_it_answers_malformed_request_when_a_header_is_missing(session, header):
    request = me(session)
    del request.headers[header]
    assert wire.problem(wire.send(session[0], request)) == "malformed_request"


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Nonce", "not base64!"),
        ("X-Nonce", base64.b64encode(os.urandom(11)).decode()),
        ("X-Nonce", base64.b64encode(os.urandom(16)).decode()),
        ("X-Tag", base64.b64encode(os.urandom(15)).decode()),
        ("X-Tag", base64.urlsafe_b64encode(b"\xfb" * 16).decode()),
        ("X-Timestamp", "12e5"),
        ("X-Timestamp", "-1"),
        ("X-Timestamp", "9" * 40),
    ],
)
def test_it_answers_malformed_request_for_undecodable_or_wrong_sized_headers(
    session, header, value
):
    request = me(session)
    request.headers[header] = value
    assert wire.problem(wire.send(session[0], request)) == "malformed_request"


def test_it_answers_unknown_key_for_a_kid_it_does_not_accept(server_key, boss):
    request = wire.seal_login(server_key, "boss", PASSWORD)
    request.headers["X-Key-Id"] = "0000000000000000"
    assert wire.problem(wire.send(InProcessTransport(), request)) == "unknown_key"


def test_it_answers_decrypt_failed_when_the_rsa_key_transport_is_corrupt(server_key, boss):
    request = wire.seal_login(server_key, "boss", PASSWORD)
    request.headers["X-Encrypted-Key"] = base64.b64encode(os.urandom(384)).decode()
    assert wire.problem(wire.send(InProcessTransport(), request)) == "decrypt_failed"


def test_it_answers_stale_timestamp_outside_the_allowed_skew(session):
    late = int(time.time() * 1000) - 121_000
    raw = wire.send(session[0], me(session, timestamp=late))
    assert raw.status == 401
    assert wire.problem(raw) == "stale_timestamp"
    early = int(time.time() * 1000) + 121_000
    assert wire.problem(wire.send(session[0], me(session, timestamp=early))) == "stale_timestamp"


def test_it_accepts_a_timestamp_inside_the_skew(session):
    slightly_off = int(time.time() * 1000) - 100_000
    assert wire.send(session[0], me(session, timestamp=slightly_off)).status == 200


def test_it_rejects_a_replayed_nonce(session):
    transport = session[0]
    request = me(session)
    assert wire.send(transport, request).status == 200
    replayed = wire.send(transport, request)
    assert replayed.status == 401
    assert wire.problem(replayed) == "replayed_nonce"


def test_a_resent_login_gets_its_original_answer_and_opens_one_session(server_key, boss):
    transport = InProcessTransport()
    request = wire.seal_login(server_key, "boss", PASSWORD)
    first, again = wire.send(transport, request), wire.send(transport, request)
    assert (first.status, again.status) == (200, 200)
    assert again.body == first.body and again.headers["X-Nonce"] == first.headers["X-Nonce"]
    assert Session.objects.filter(user=boss).count() == 1


def test_it_answers_session_required_without_a_session_id(session):
    request = me(session)
    del request.headers["X-Session-Id"]
    raw = wire.send(session[0], request)
    assert (raw.status, wire.problem(raw)) == (401, "session_required")


@pytest.mark.parametrize("bad_id", ["x" * 43, "a" * 500], ids=["unknown", "too-long"])
def test_it_answers_session_invalid_for_an_unknown_session(session, bad_id):
    transport, _, key = session
    request = wire.seal(key=key, session_id=bad_id)
    raw = wire.send(transport, request)
    assert (raw.status, wire.problem(raw)) == (401, "session_invalid")


@pytest.mark.parametrize(
    "part", ["X-Nonce", "X-Timestamp", "X-Session-Id", "X-Tag", "body", "query", "method"]
)
def test_it_answers_decrypt_failed_when_any_authenticated_part_is_tampered(session, part):
    transport, session_id, key = session
    request = me(session, method="POST", path="/api/v1/credential/logout", payload={"a": 1})
    if part == "X-Nonce":
        request.headers[part] = base64.b64encode(os.urandom(12)).decode()
    elif part == "X-Timestamp":
        request.headers[part] = str(int(request.headers[part]) + 1)
    elif part == "X-Session-Id":
        other = wire.seal(key=key, session_id=session_id)  # same session, tag over other bytes
        request.headers["X-Tag"] = other.headers["X-Tag"]
    elif part == "X-Tag":
        tag = bytearray(base64.b64decode(request.headers[part]))
        tag[0] ^= 1
        request.headers[part] = base64.b64encode(bytes(tag)).decode()
    elif part == "body":
        request.body = bytes([request.body[0] ^ 1]) + request.body[1:]
    elif part == "query":
        request.query = "x=1"
    elif part == "method":
        request.method = "PUT"
    raw = wire.send(transport, request)
    assert (raw.status, wire.problem(raw)) == (400, "decrypt_failed")


def test_a_request_moved_to_another_path_is_refused(session):
    transport = session[0]
    request = me(session, path="/api/v1/credential/me")
    request.path = "/api/v1/credential/sessions"
    raw = wire.send(transport, request)
    assert (raw.status, wire.problem(raw)) == (400, "decrypt_failed")


def test_a_session_key_from_another_session_does_not_decrypt(connect, boss, reader):
    first = connect(boss)
    second = connect(reader)
    request = wire.seal(key=second.session.key, session_id=first.session.session_id)
    raw = wire.send(first.transport, request)
    assert wire.problem(raw) == "decrypt_failed"


def test_a_body_over_the_limit_is_refused_with_413(session, settings):
    settings.PLATFORM_MAX_BODY_BYTES = 2048
    transport = InProcessTransport()
    request = me(
        session, method="POST", path="/api/v1/credential/logout", payload={"x": "y" * 4096}
    )
    raw = wire.send(transport, request)
    assert (raw.status, wire.problem(raw)) == (413, "body_too_large")


def test_plain_errors_never_echo_the_request(session):
    request = me(session, method="POST", path="/api/v1/credential/logout", payload={"secret": 1})
    request.headers["X-Tag"] = base64.b64encode(os.urandom(16)).decode()
    raw = wire.send(session[0], request)
    assert request.body not in raw.body
    assert session[1].encode() not in raw.body
    assert b"secret" not in raw.body


def test_every_response_carries_the_server_time(client, db):
    for path in ("/health/", "/api/v1/credential/public-key", "/api/v1/credential/me"):
        response = client.get(path)
        assert int(response["X-Server-Time"]) > 1_700_000_000_000, path


def test_the_key_list_answers_503_when_the_database_connection_is_gone(client, db, monkeypatch):
    from django.db import OperationalError

    from credential.views import keyring

    def gone():
        raise OperationalError(2013, "Lost connection to server during query")

    monkeypatch.setattr(keyring, "accepted", gone)
    response = client.get("/api/v1/credential/public-key")
    assert response.status_code == 503 and response["Retry-After"] == "1"
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "database_unavailable"


@pytest.mark.parametrize("where", ["routing table", "grant check"])
def test_a_connection_gone_before_the_view_is_503_not_500(session, monkeypatch, where):
    # A database restarted (or a Galera member rejoined) under a worker's kept connection:
    # the first statement may be the routing table's refresh or the grant lookup, both
    # before any view. Nothing was applied; the client resends the 503.
    from django.db import OperationalError

    from credential import grants
    from gateway.routing import routes

    def gone(*args, **kwargs):
        raise OperationalError(2013, "Lost connection to server during query")

    if where == "routing table":
        routes.clear()
        monkeypatch.setattr(routes, "refresh", gone)
    else:
        grants.clear_grant_cache()
        monkeypatch.setattr(grants, "grants_for_user", gone)
    request = me(session, path="/api/v1/task/tasks/")
    raw = wire.send(session[0], request)
    assert raw.status == 503 and raw.headers["Retry-After"] == "1"
    assert wire.open_sealed(raw, request)["code"] == "database_unavailable"

"""Answers to authenticated requests are sealed, errors included; query payloads."""

from __future__ import annotations

import logging

import pytest

from services.task.models import Task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("test_service")]


def test_an_unknown_path_is_an_encrypted_404(connect, boss):
    response = connect(boss).get("/api/v1/credential/no-such-thing")
    assert (response.status, response.encrypted, response.code) == (404, True, "not_found")
    assert response.data["status"] == 404 and response.data["detail"]


def test_a_crashing_view_is_an_encrypted_500_with_an_error_id_in_the_log(connect, boss, caplog):
    with caplog.at_level(logging.ERROR, logger="platform.gateway"):
        response = connect(boss).get("/api/v1/test/boom")
    assert response.status == 500 and response.encrypted
    assert response.data["code"] == "server_error"
    error_id = response.data["error_id"]
    logged = [r for r in caplog.records if getattr(r, "error_id", None) == error_id]
    assert logged and logged[0].exc_info and "a bug in a service" in str(logged[0].exc_info[1])
    assert "a bug in a service" not in response.body.decode()


def test_a_view_whose_connection_was_already_closed_is_503_not_500(connect, boss, monkeypatch):
    # A database that restarted under the worker: Django finds the kept connection closed
    # (InterfaceError) in the middle of a view. Nothing was applied; the client resends.
    from django.db import InterfaceError

    from tests.support.service_urls import Boom

    def closed(self, request):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(Boom, "get", closed)
    response = connect(boss).get("/api/v1/test/boom")
    assert (response.status, response.encrypted) == (503, True)
    assert response.code == "database_unavailable" and response.headers["Retry-After"] == "1"


def test_get_parameters_arrive_from_the_encrypted_payload(connect, boss):
    api = connect(boss)
    response = api.get(
        "/api/v1/test/echo?plain=1", {"q": "résumé & co", "ids": [3, 5], "flag": True}
    )
    assert response.status == 200
    assert response.data["query"] == {
        "plain": ["1"],
        "q": ["résumé & co"],
        "ids": ["3", "5"],
        "flag": ["true"],
    }
    sent_target = api.transport.sent[-1][1]
    assert "r%C3%A9sum%C3%A9" not in sent_target and "résumé" not in sent_target


def test_delete_parameters_arrive_from_the_encrypted_payload(connect, boss):
    response = connect(boss).delete("/api/v1/test/echo", {"reason": "tidy"})
    assert response.data["query"] == {"reason": ["tidy"]}


def test_a_get_payload_that_is_not_an_object_is_an_encrypted_400(connect, boss):
    from tests.support import wire

    api = connect(boss)
    request = wire.seal(
        key=api.session.key,
        session_id=api.session.session_id,
        path="/api/v1/test/echo",
        payload=[1],
    )
    raw = wire.send(api.transport, request)
    assert raw.status == 400
    assert wire.open_sealed(raw, request)["code"] == "invalid_payload"


def test_post_json_reaches_the_view_as_request_data(connect, boss):
    response = connect(boss).post("/api/v1/test/echo", {"title": "ünïcode", "n": [1, {"a": None}]})
    assert response.data["data"] == {"title": "ünïcode", "n": [1, {"a": None}]}


def test_invalid_json_in_a_post_is_an_encrypted_400_not_a_500(connect, boss):
    from tests.support import wire

    api = connect(boss)
    request = wire.seal(
        key=api.session.key,
        session_id=api.session.session_id,
        method="POST",
        path="/api/v1/test/echo",
    )
    from client import crypto

    sealed = crypto.seal_request(
        key=api.session.key,
        method="POST",
        path="/api/v1/test/echo",
        query="",
        session_id=api.session.session_id,
        timestamp=request.headers["X-Timestamp"],
        plaintext=b'{"broken": ',
    )
    request.headers.update({"X-Nonce": sealed.nonce_b64, "X-Tag": sealed.tag_b64})
    request.body = sealed.ciphertext
    raw = wire.send(api.transport, request)
    assert raw.status == 400
    assert wire.open_sealed(raw, request)["code"] == "parse_error"


def test_the_public_key_endpoint_lists_the_primary_key_with_its_fingerprint(client, server_key):
    from client.crypto import fingerprint_sha256

    body = client.get("/api/v1/credential/public-key").json()
    assert [k["kid"] for k in body["keys"]] == [server_key.kid]
    key = body["keys"][0]
    assert key["alg"] == "RSA-OAEP-256" and key["primary"] is True
    assert key["fingerprint_sha256"] == fingerprint_sha256(key["public_key_pem"])


def test_a_failed_write_leaves_nothing_and_its_identical_envelope_may_be_resent(connect, boss):
    from tests.support import wire

    api = connect(boss)
    request = wire.seal(
        key=api.session.key,
        session_id=api.session.session_id,
        method="POST",
        path="/api/v1/test/boom",
        payload={},
    )
    assert wire.send(api.transport, request).status == 500
    assert not Task.objects.filter(title="half-written").exists()
    assert wire.send(api.transport, request).status == 500  # not refused as a replay


def test_an_applied_write_resent_identically_gets_the_original_answer(connect, boss):
    from tests.support import wire

    api = connect(boss)
    request = wire.seal(
        key=api.session.key,
        session_id=api.session.session_id,
        method="POST",
        path="/api/v1/task/tasks/",
        payload={"title": "once"},
    )
    first, again = wire.send(api.transport, request), wire.send(api.transport, request)
    assert (first.status, again.status) == (201, 201)
    assert again.body == first.body  # the very answer, sealed as it was sent
    assert wire.open_sealed(again, request)["title"] == "once"
    assert Task.objects.filter(title="once").count() == 1


def test_a_different_request_under_a_used_nonce_is_refused(connect, boss):
    import base64

    from tests.support import wire

    api = connect(boss)
    first = wire.seal(
        key=api.session.key,
        session_id=api.session.session_id,
        method="POST",
        path="/api/v1/task/tasks/",
        payload={"title": "first"},
    )
    assert wire.send(api.transport, first).status == 201
    other = wire.seal(
        key=api.session.key,
        session_id=api.session.session_id,
        method="POST",
        path="/api/v1/task/tasks/",
        payload={"title": "second"},
        nonce=base64.b64decode(first.headers["X-Nonce"]),
    )
    assert wire.problem(wire.send(api.transport, other)) == "replayed_nonce"
    assert not Task.objects.filter(title="second").exists()

"""Every error answer, of every service and of the gateway, is the schema's one `Error`.

The in-process transport records each error answer the fast tests receive (sealed ones
opened), and tests/fast/conftest.py checks those of every test against the generated
schema. This test makes sure that check covers the whole API: it draws from every
service in the registry the answers the contract promises (400, 403, 404, 409), and
from the gateway its own plain refusals, and asserts each was recorded and matches.
"""

from __future__ import annotations

import json
import time

import pytest
from django.db.models import F

from core import registry
from core.errors import PROBLEM_TYPE
from tests.support import error_answers, wire
from tests.support.error_answers import ErrorAnswer, problems
from tests.support.transport import InProcessTransport

pytestmark = pytest.mark.django_db
MISSING_ID = 2_000_000_000


@pytest.fixture
def personas(boss, writer, colleague, reader, outsider) -> dict:
    return {"boss": boss, "writer": writer, "colleague": colleague, "reader": reader}


def _business_errors(config, clients, people) -> None:
    """400, 403, 404 and 409 from one service, through its contract resource."""
    contract = config.examples_module().CONTRACT
    collection = config.prefix + contract.path
    spec = contract.change
    creator = clients[contract.creator]
    actor = clients[contract.creator if spec.by == "creator" else spec.by]
    assert clients["outsider"].get(collection).code == "no_grant"
    assert clients["reader"].post(collection, contract.create(people)).code == "missing_grant"
    created = creator.post(collection, contract.create(people))
    assert created.status == 201, (config.code, created.data)
    obj = created.data

    def change(target: dict, version: int | None):
        path = collection + contract.detail(target) + spec.suffix
        body = dict(spec.body) if version is None else {**spec.body, "version": version}
        return (
            actor.delete(path, body)
            if spec.method == "DELETE"
            else actor.request(spec.method, path, body)
        )

    assert change(obj, None).code == "invalid"
    assert change({**obj, "id": MISSING_ID}, obj["version"]).code == "not_found"
    model = config.get_model(contract.model)
    model._base_manager.filter(**contract.row(obj)).update(version=F("version") + 1)
    assert change(obj, obj["version"]).code == "version_conflict"


def _gateway_errors(connect, boss, server_key) -> None:
    """The gateway's own refusals, plain before authentication, sealed after."""
    api = connect(boss)
    transport, session_id, key = api.transport, api.session.session_id, api.session.key
    request = wire.seal(key=key, session_id=session_id)
    del request.headers["X-Tag"]
    assert wire.problem(wire.send(transport, request)) == "malformed_request"
    stale = wire.seal(key=key, session_id=session_id, timestamp=int(time.time() * 1000) - 10**6)
    assert wire.problem(wire.send(transport, stale)) == "stale_timestamp"
    assert wire.problem(wire.send(transport, wire.seal(key=key, session_id="x" * 43))) == (
        "session_invalid"
    )
    login = wire.seal_login(server_key, "boss", "not the password")
    login.headers["X-Key-Id"] = "0000000000000000"
    assert wire.problem(wire.send(InProcessTransport(), login)) == "unknown_key"
    huge = wire.seal(key=key, session_id=session_id, method="POST", payload={"a": "x" * 11_000_000})
    assert wire.problem(wire.send(transport, huge)) == "body_too_large"
    assert api.get("/api/v1/no-such-service/things/").code == "unknown_service"
    assert api.get("/api/v1/credential/me", {"q": {"nested": "object"}}).code == "invalid_payload"
    assert connect().login("boss", "not the password").code == "invalid_credentials"


def test_every_services_error_answers_and_the_gateways_match_the_error_schema(
    connect, personas, outsider, server_key
):
    start = len(error_answers.RECORDED)
    clients = {name: connect(user) for name, user in {**personas, "outsider": outsider}.items()}
    people = {name: user.pk for name, user in {**personas, "outsider": outsider}.items()}
    for config in registry.business_services():
        _business_errors(config, clients, people)
    _gateway_errors(connect, personas["boss"], server_key)
    answers = error_answers.RECORDED[start:]

    by_service: dict[str, set[int]] = {}
    for answer in answers:
        code = answer.path.removeprefix(registry.API_PREFIX).split("/")[0]
        by_service.setdefault(code, set()).add(answer.status)
    for config in registry.business_services():
        assert by_service.get(config.code, set()) >= {400, 403, 404, 409}, config.code
    plain = {(a.status, a.code) for a in answers if not a.sealed}
    assert {(400, "malformed_request"), (401, "stale_timestamp"), (413, "body_too_large")} <= plain
    assert (401, "invalid_credentials") in {(a.status, a.code) for a in answers if a.sealed}
    assert [p for answer in answers for p in problems(answer)] == []


def test_the_check_refuses_an_answer_the_schema_does_not_describe():
    def answer(status: int, body: dict, path: str = "/api/v1/task/tasks/1/") -> ErrorAnswer:
        return ErrorAnswer("GET", path, status, True, PROBLEM_TYPE, json.dumps(body).encode())

    good = {"type": "about:blank", "title": "Not Found", "status": 404, "code": "not_found"}
    good["detail"] = "No such object."
    assert problems(answer(404, good)) == []
    assert problems(answer(404, {"code": "not_found"}))  # members missing
    assert problems(answer(404, {**good, "message": "old shape"}))  # a member Error lacks
    assert problems(answer(404, {**good, "code": "overlap"}))  # not a code GET lists
    assert problems(answer(418, {**good, "status": 418}))  # a status the operation lacks
    assert problems(answer(404, {**good, "status": 400}))  # body and answer disagree
    elsewhere = answer(404, {**good, "code": "anything"}, "/api/v1/test/echo/")
    assert problems(elsewhere) == []  # no operation there: the body alone is checked

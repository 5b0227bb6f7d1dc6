"""The OpenAPI schema of the decrypted API: complete, valid, committed, and true to the code.

`manage.py spectacular` with no options writes it (platform_site/openapi.py); it is
committed as docs/openapi.yaml for client generators (`make schema` refreshes it) and
served to staff at /api/schema/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from core import registry
from core.errors import ErrorCode, error_body
from platform_site.error_answers import own_codes
from tests.support.error_answers import schema

pytestmark = pytest.mark.django_db
COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
ERROR_REF = {"$ref": "#/components/schemas/Error"}
PUBLIC_KEY_PATH = "/api/v1/credential/public-key"


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), operation


def errors_of(operation: dict) -> dict[int, dict]:
    return {int(s): r for s, r in operation["responses"].items() if int(s) >= 400}


def component(name: str) -> dict:
    return schema()["components"]["schemas"][name]


def validator(name: str) -> OAS30Validator:
    """Validates against one component, resolving its references within the schema."""
    return OAS30Validator(
        {"$ref": f"#/components/schemas/{name}", "components": schema()["components"]}
    )


def test_the_command_with_no_options_writes_the_committed_schema(tmp_path):
    written = tmp_path / "x.yaml"
    call_command("spectacular", "--file", str(written))
    assert written.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8"), (
        "docs/openapi.yaml is stale: run `make schema` and commit it"
    )


def test_the_written_schema_is_valid_openapi_and_names_every_service(tmp_path):
    written = tmp_path / "x.yaml"
    call_command("spectacular", "--file", str(written))
    document = yaml.safe_load(written.read_text(encoding="utf-8"))
    validate(document)  # openapi-spec-validator: raises on any violation of OpenAPI 3.0
    prefixes = [config.prefix for config in registry.services()]
    assert len(prefixes) == 11  # credential and the ten business services
    for prefix in prefixes:
        assert any(path.startswith(prefix) for path in document["paths"]), prefix


def test_the_validator_refuses_a_broken_schema():
    broken = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    del broken["paths"]["/api/v1/task/tasks/"]["get"]["responses"]
    with pytest.raises(Exception, match="responses"):
        validate(broken)


def test_version_is_required_wherever_a_request_names_it():
    schemas = schema()["components"]["schemas"]
    assert not [name for name in schemas if name.startswith("Patched")]
    requests = {n: s for n, s in schemas.items() if n.endswith("Request")}
    naming = {  # the object's version (ClientInfoRequest's `version` is the client app's)
        n
        for n, s in requests.items()
        if s.get("properties", {}).get("version", {}).get("type") == "integer"
    }
    assert {"TaskUpdateRequest", "TransitionRequest", "ApprovalActRequest"} <= naming
    assert [n for n in naming if "version" not in requests[n].get("required", [])] == []
    deletes = [op for _, method, op in operations(schema()) if method == "DELETE"]
    versions = [p for op in deletes for p in op.get("parameters", []) if p["name"] == "version"]
    assert len(versions) >= 8 and all(p["required"] for p in versions)


def test_every_error_answer_is_the_one_error_body_with_its_codes():
    for path, method, operation in operations(schema()):
        for status, response in errors_of(operation).items():
            where = f"{method} {path} {status}"
            assert response["content"] == {"application/problem+json": {"schema": ERROR_REF}}
            codes = response["x-error-codes"]
            assert codes, where
            for code in codes:
                assert f"`{code}`" in response["description"], where
            known = {c.value: c.status for c in ErrorCode}
            config = registry.service(path.removeprefix(registry.API_PREFIX).split("/")[0])
            known |= {c.value: c.status for c in own_codes(config)}
            assert {known.get(code) for code in codes} == {status}, where


def test_every_operation_lists_the_errors_its_kind_of_request_can_meet():
    counted = 0
    for path, method, operation in operations(schema()):
        statuses = set(errors_of(operation))
        code = path.removeprefix(registry.API_PREFIX).split("/")[0]
        if path == PUBLIC_KEY_PATH:
            assert statuses == {503}
            continue
        assert {400, 401, 413, 429, 500, 503, 504} <= statuses, (method, path)
        if registry.service(code).business:
            assert 403 in statuses, (method, path)
        if "{" in path:
            assert 404 in statuses, (method, path)
        if "version" in str(operation.get("requestBody")) or "version" in str(
            operation.get("parameters")
        ):
            assert 409 in statuses, (method, path)
        counted += 1
    assert counted >= 80


def test_the_error_component_describes_every_member_the_server_builds():
    error = component("Error")
    full = error_body(
        ErrorCode.VERSION_CONFLICT,
        fields={"title": ["Too long."]},
        current={"id": 3, "version": 2},
        retry_after_seconds=1,
        error_id="0123456789abcdef",
    )
    assert set(error["properties"]) == set(full)
    assert set(error["required"]) == set(error_body(ErrorCode.NOT_FOUND))
    assert not list(validator("Error").iter_errors(full))
    assert list(validator("Error").iter_errors({"code": "not_found"}))  # it can refuse


def test_descriptions_are_written_for_the_client_not_the_code():
    document = schema()
    for path, method, operation in operations(document):
        text = operation.get("description", "")
        assert text, (method, path)
        assert "serializer_class" not in text and "service function" not in text, (method, path)
    for name, body in document["components"]["schemas"].items():
        text = body.get("description", "")
        assert "Output of every stored object" not in text, name
        assert "context[" not in text, name
    assert component("TaskRequest")["description"] != component("Task")["description"]
    assert component("TaskUpdateRequest")["description"].startswith("Changes to a task")


def test_servers_and_the_envelope_as_the_security_scheme():
    document = schema()
    assert document["servers"] and all(s["url"] for s in document["servers"])
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == {"envelope", "login_envelope"}
    for path, method, operation in operations(document):
        if path == PUBLIC_KEY_PATH:
            assert "security" not in operation
        elif path == "/api/v1/credential/login":
            assert operation["security"] == [{"login_envelope": []}]
        else:
            assert operation["security"] == [{"envelope": []}], (method, path)


def test_the_public_key_operation_describes_what_a_node_answers(server_key):
    operation = schema()["paths"][PUBLIC_KEY_PATH]["get"]
    described = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert described == {"$ref": "#/components/schemas/PublicKeyList"}
    answer = Client().get(PUBLIC_KEY_PATH)
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-cache"
    assert not list(validator("PublicKeyList").iter_errors(answer.json()))
    assert list(validator("PublicKeyList").iter_errors({"keys": [{"kid": "k"}]}))


def test_the_public_key_answers_json_whatever_the_client_accepts(server_key):
    answer = Client().get(PUBLIC_KEY_PATH, headers={"Accept": "text/html"})
    assert answer.status_code == 200 and answer.json()["keys"]


def test_another_method_on_the_public_key_is_a_405_error_body(server_key):
    answer = Client().post(PUBLIC_KEY_PATH)
    assert answer.status_code == 405 and answer.json()["code"] == "method_not_allowed"
    assert answer["Content-Type"] == "application/problem+json"


def test_every_body_is_a_named_component_with_names_a_generator_keeps():
    """What a .NET generator turns into classes and methods: named, unique, identifiers."""
    document = schema()
    operation_ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(operation_ids) == len(set(operation_ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", o) for o in operation_ids), operation_ids
    names = list(document["components"]["schemas"])
    assert all(re.fullmatch(r"[A-Z][A-Za-z0-9]*", n) for n in names), names
    for path, method, operation in operations(document):
        bodies = [*operation["responses"].values(), operation.get("requestBody", {})]
        for body in bodies:
            for media in body.get("content", {}).values():
                assert set(media["schema"]) == {"$ref"}, (method, path)


def test_lists_take_page_and_page_size():
    for path, method, operation in operations(schema()):
        success = operation["responses"].get("200", {}).get("content", {})
        ref = str(success.get("application/json", {}).get("schema", ""))
        if "Paginated" in ref:
            names = {p["name"] for p in operation["parameters"]}
            assert {"page", "page_size"} <= names, (method, path)


def test_the_schema_is_refused_to_anonymous_and_non_staff_users(client, make_user):
    for path in ("/api/schema/", "/api/docs/", "/api/redoc/"):
        assert client.get(path).status_code in (401, 403), path
    client.force_login(make_user("plain"))
    for path in ("/api/schema/", "/api/docs/", "/api/redoc/"):
        assert client.get(path).status_code == 403, path


def test_staff_get_the_schema_the_command_writes(client, make_user):
    client.force_login(make_user("root", superuser=True, is_staff=True))
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert yaml.safe_load(response.content) == yaml.safe_load(COMMITTED.read_text("utf-8"))

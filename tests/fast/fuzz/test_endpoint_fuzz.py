"""Every endpoint of every service, fed hostile content inside valid envelopes.

The table of endpoints is walked from each service's URLconf (and the credential
service's), so a new endpoint is fuzzed without touching this file. Path ids come from a
seeded organisation (demo.people and each service's demo seed): the caller's own objects,
other people's, and ids no row has. Field names and types come from the OpenAPI schema
of the decrypted API, so hostile values land on real fields next to plausible ones.
Properties (checked by the probe, see conftest.py): never a 5xx, never a partial write,
never a secret in the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import import_module

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from client import PlatformClient
from core import registry
from core.crypto.atrest import private_key_to_der
from credential.models import Session
from demo.people import create_people
from services.task.models import Task
from tests.conftest import PASSWORD
from tests.fast.fuzz import strategies as hostile
from tests.support import wire
from tests.support.transport import InProcessTransport

pytestmark = pytest.mark.django_db
API = "/api/v1"
LOGIN_PATH = "/api/v1/credential/login"
PUBLIC_KEY_PATH = "/api/v1/credential/public-key"
METHODS = ("get", "post", "put", "patch", "delete")
# Fields of endpoints the schema describes without a request serializer.
FIELD_HINTS = {
    ("POST", LOGIN_PATH): [
        hostile.Field("username"),
        hostile.Field("password"),
        hostile.Field("client", "object"),
    ],
}


# The endpoint table --------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    service: str
    route: str  # as in the URLconf, e.g. "tasks/<int:task_id>/"
    method: str
    converters: tuple[tuple[str, str], ...]  # (parameter, converter class name)

    @property
    def template(self) -> str:
        return f"{API}/{self.service}/{self.route}"

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def service_urlconfs() -> list[tuple[str, str]]:
    return [(c.code, c.urlconf) for c in registry.services()]


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def endpoint_table() -> list[Endpoint]:
    rows = []
    for code, urlconf in service_urlconfs():
        for route, pattern in _walk(import_module(urlconf).urlpatterns):
            if not isinstance(pattern.pattern, RoutePattern):
                raise AssertionError(f"{urlconf}: teach the fuzz table regex routes ({route!r})")
            view_class = getattr(pattern.callback, "view_class", None)
            methods = [m.upper() for m in METHODS if hasattr(view_class, m)] or ["GET"]
            converters = tuple(
                (name, type(conv).__name__) for name, conv in pattern.pattern.converters.items()
            )
            rows.extend(Endpoint(code, route, method, converters) for method in methods)
    return rows


ENDPOINTS = endpoint_table()


# Fields, from the OpenAPI schema of the decrypted API ------------------------------------


@cache
def _schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator(urlconf="platform_site.api_schema").get_schema(request=None, public=True)


def _resolve(node: dict) -> dict:
    schema = _schema()
    while True:
        if "$ref" in node:
            node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
        elif "allOf" in node:
            node = node["allOf"][0]
        elif "oneOf" in node:
            node = next((n for n in node["oneOf"] if n.get("type") != "null"), {})
        else:
            return node


def _field(name: str, node: dict) -> hostile.Field:
    node = _resolve(node)
    items = _resolve(node.get("items", {})) if node.get("type") == "array" else {}
    return hostile.Field(
        name,
        node.get("type", "string"),
        node.get("format", ""),
        tuple(v for v in node.get("enum", ()) if v is not None),
        items.get("type", ""),
    )


@cache
def fields_of(endpoint: Endpoint) -> tuple[hostile.Field, ...]:
    """The query parameters and body fields the schema lists for this endpoint."""
    if (endpoint.method, endpoint.template) in FIELD_HINTS:
        return tuple(FIELD_HINTS[(endpoint.method, endpoint.template)])
    key = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", endpoint.template)
    operation = _schema()["paths"].get(key, {}).get(endpoint.method.lower(), {})
    out = [
        _field(p["name"], p.get("schema", {}))
        for p in operation.get("parameters", [])
        if p.get("in") == "query"
    ]
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    properties = _resolve(body.get("schema", {})).get("properties", {}) if body else {}
    out += [_field(n, p) for n, p in properties.items() if not p.get("readOnly")]
    return tuple(out)


def test_the_table_holds_every_service_and_its_endpoints():
    services = {e.service for e in ENDPOINTS}
    assert services == {"credential"} | {code for code, _ in service_urlconfs()}
    assert len(services) == 11
    assert any(e.method == "PATCH" and e.converters for e in ENDPOINTS)
    assert fields_of(Endpoint("task", "tasks/", "POST", ()))  # the schema is read


# The seeded organisation ---------------------------------------------------------------


@dataclass
class Caller:
    username: str
    session_id: str
    key: bytes


@dataclass
class Node:
    transport: InProcessTransport
    server_key: object
    callers: list[Caller]
    pks: dict[str, dict[str, list[int]]]  # service code → model name → primary keys
    session_ids: list[str]  # Session primary keys (uuids), everyone's
    payload: hostile.World


def seed_everything(people: dict) -> None:
    """Every service's demo data (services/<code>/demo.py), as `manage.py seed_demo` does."""
    now = timezone.now()
    for config in registry.business_services():
        import_module(f"{config.name}.demo").seed(people=people, now=now)


def _login(transport, server_key, username: str) -> Caller:
    api = PlatformClient(
        "http://testserver",
        pinned_fingerprints=[server_key.fingerprint_sha256],
        transport=transport,
        retries=0,
    )
    response = api.login(username, PASSWORD)
    assert response.status == 200, response.data
    return Caller(username, api.session.session_id, api.session.key)


def _primary_keys() -> dict[str, dict[str, list[int]]]:
    return {
        config.code: {
            model._meta.model_name: list(model._base_manager.values_list("pk", flat=True))
            for model in config.get_models()
        }
        for config in registry.business_services()
    }


@pytest.fixture
def node(server_key, make_user, probe, rsa_private_key, settings) -> Node:
    """The demo organisation, every service seeded, and a logged-in session per person
    (plus one read-only caller and one without any grant); their secrets go to the probe.

    Passwords are hashed with a cheap hasher here: set up once per endpoint, Argon2 would
    be most of the CI-sized run's time, and no property checked here depends on it.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    people, _ = create_people(password=PASSWORD)
    seed_everything(people)
    make_user("fuzz.reader", grants={c.code: ("read",) for c in registry.business_services()})
    make_user("fuzz.outsider")
    transport = InProcessTransport(django=Client())
    usernames = [*sorted(people), "fuzz.reader", "fuzz.outsider"]
    callers = [_login(transport, server_key, name) for name in usernames]
    probe.add_text_secret("password", PASSWORD)
    probe.add_secret("server private key", private_key_to_der(rsa_private_key))
    for caller in callers:
        probe.add_text_secret(f"session id of {caller.username}", caller.session_id)
        probe.add_secret(f"session key of {caller.username}", caller.key)
    pks = _primary_keys()
    return Node(
        transport=transport,
        server_key=server_key,
        callers=callers,
        pks=pks,
        session_ids=[str(pk) for pk in Session.objects.values_list("pk", flat=True)],
        payload=hostile.World(
            ids=sorted({pk for models in pks.values() for ids in models.values() for pk in ids}),
            user_ids=list(get_user_model().objects.values_list("pk", flat=True)),
            group_names=sorted({g.name for user in people.values() for g in user.groups.all()}),
            usernames=usernames,
        ),
    )


# Targets -------------------------------------------------------------------------------


def _ids_for(endpoint: Endpoint, parameter: str, node: Node) -> list[str]:
    """Ids of the rows a path parameter names (by its stem: `leave_id` → leaverequest),
    everyone's; else every id of the service."""
    if parameter == "session_id":
        return node.session_ids
    models = node.pks.get(endpoint.service, {})
    stem = parameter.removesuffix("_id").replace("_", "")
    matching = [pk for name, ids in models.items() if name.startswith(stem) for pk in ids]
    every = [pk for ids in models.values() for pk in ids]
    return [str(pk) for pk in (matching or every or [1])]


@st.composite
def target_path(draw, endpoint: Endpoint, node: Node) -> str:
    path = endpoint.template
    for parameter, converter in endpoint.converters:
        if converter == "UUIDConverter":
            value = draw(
                st.sampled_from(node.session_ids)
                | st.uuids().map(str)
                | st.sampled_from(["00000000-0000-0000-0000-000000000000"])
            )
        else:
            real = st.sampled_from(_ids_for(endpoint, parameter, node))
            value = draw(st.one_of(real, real, real, st.sampled_from(hostile.HOSTILE_IDS)))
        path = re.sub(rf"<(?:\w+:)?{parameter}>", value, path)
    return path


def request_for(data, endpoint: Endpoint, node: Node):
    method = data.draw(
        st.sampled_from([endpoint.method] * 12 + ["GET", "POST", "PUT", "PATCH", "DELETE"]),
        label="method",
    )
    path = data.draw(target_path(endpoint, node), label="path")
    fields = list(fields_of(endpoint))
    body = data.draw(hostile.body_for(method, fields, node.payload), label="plaintext")
    query = data.draw(
        st.just("") | hostile.raw_query([f.name for f in fields]), label="query string"
    )
    if endpoint.template == LOGIN_PATH and method == "POST":
        return hostile.login_envelope(node.server_key, body, path=path, query=query), body
    caller = data.draw(st.sampled_from(node.callers), label="caller")
    request = hostile.envelope(
        key=caller.key,
        method=method,
        path=path,
        query=query,
        session_id=caller.session_id,
        plaintext=body,
    )
    return request, body


# The property --------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_no_hostile_request_gets_a_5xx_a_partial_write_or_a_secret(endpoint, node, probe):
    @hostile.fuzz_settings()
    @given(data=st.data())
    def hostile_requests(data):
        with probe.example():
            request, plaintext = request_for(data, endpoint, node)
            probe.send(node.transport, request, plaintext=plaintext)

    hostile_requests()
    probe.assert_clean()


# Findings kept as plain tests ------------------------------------------------------------


@pytest.fixture
def raw_api(connect, boss):
    """A logged-in client whose transport answers a server error instead of raising it."""
    api = connect(boss)
    api.transport.django.raise_request_exception = False
    return api


def _send(api, method: str, path: str, plaintext: bytes):
    request = hostile.envelope(
        key=api.session.key,
        session_id=api.session.session_id,
        method=method,
        path=path,
        plaintext=plaintext,
    )
    return wire.send(api.transport, request), request


def test_regression_a_deeply_nested_query_payload_is_a_400(raw_api):
    """The gateway's json.loads of a GET payload raised RecursionError: a plain HTML 500."""
    raw, request = _send(raw_api, "GET", "/api/v1/task/tasks/", hostile.deeply_nested(5000))
    assert raw.status == 400, raw.body[:200]
    assert wire.open_sealed(raw, request)["code"] == "invalid_payload"


@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_regression_a_deeply_nested_json_body_is_a_400(raw_api, depth):
    """DRF's JSON parser lets RecursionError through: a sealed 500 for any POST/PATCH."""
    raw, request = _send(raw_api, "POST", "/api/v1/task/tasks/", b"[" * depth + b"]" * depth)
    assert raw.status == 400, wire.open_sealed(raw, request)
    assert not Task.objects.exists()


@pytest.mark.parametrize("number", ["9223372036854775808", "1" * 40])
def test_regression_an_id_past_64_bits_is_a_404(raw_api, number):
    """get_or_404 on a foreign-key lookup let SQLite's OverflowError through (a 500)."""
    for method in ("GET", "DELETE"):
        raw, request = _send(raw_api, method, f"/api/v1/message/messages/{number}/", b"")
        assert raw.status == 404, (method, wire.open_sealed(raw, request))


def test_regression_an_empty_list_as_a_query_value_is_not_a_500(raw_api):
    """{"page_size": []} became an empty list in the QueryDict, and DRF's paginator does
    int([]) on it: TypeError, 500. Any list endpoint."""
    raw, request = _send(raw_api, "GET", "/api/v1/task/tasks/", b'{"page_size": []}')
    assert raw.status < 500, wire.open_sealed(raw, request)


@pytest.mark.parametrize(
    ("path", "field"), [("/api/v1/task/tasks/", "status"), ("/api/v1/asset/assets/", "state")]
)
def test_regression_a_lone_surrogate_in_a_choice_is_a_400(raw_api, path, field):
    """A choice field's error quotes the value; DRF's JSON renderer then cannot encode the
    lone surrogate (UnicodeEncodeError): 500. Any choice, in a query or a body."""
    raw, request = _send(raw_api, "GET", path, b'{"%s": "\\ud800"}' % field.encode())
    assert raw.status == 400, wire.open_sealed(raw, request)


def test_regression_an_integer_past_64_bits_in_a_list_filter_is_a_400(raw_api):
    """Found by `make fuzz`: GET directory/people/ with department=2**70 raised
    OverflowError from SQLite while counting the page."""
    raw, request = _send(
        raw_api, "GET", "/api/v1/directory/people/", b'{"department": 1180591620717411303424}'
    )
    assert raw.status == 400, wire.open_sealed(raw, request)

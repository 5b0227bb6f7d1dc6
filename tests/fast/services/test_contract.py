"""The promises every business service keeps, checked over the registry.

Each service declares one resource in its `examples.py` (services/base/examples.py says
how); these tests run the same checks on every one of them. A service's own file
(test_<code>.py) keeps only the tests of its own rules.
"""

from __future__ import annotations

import pytest
from django.db.models import F

from core import registry

pytestmark = pytest.mark.django_db
SERVICES = registry.business_services()


@pytest.fixture(params=SERVICES, ids=[config.code for config in SERVICES])
def service(request):
    return request.param


@pytest.fixture
def personas(boss, writer, colleague, reader, outsider) -> dict:
    return {
        "boss": boss,
        "writer": writer,
        "colleague": colleague,
        "reader": reader,
        "outsider": outsider,
    }


@pytest.fixture
def people(personas) -> dict[str, int]:
    return {name: user.pk for name, user in personas.items()}


@pytest.fixture
def contract(service):
    return service.examples_module().CONTRACT


@pytest.fixture
def clients(connect, personas):
    made = {}

    def client(name: str):
        if name not in made:
            made[name] = connect(personas[name])
        return made[name]

    return client


def collection(service, contract) -> str:
    return f"{service.prefix}{contract.path}"


def item(service, contract, obj: dict) -> str:
    return collection(service, contract) + contract.detail(obj)


def stored_rows(service) -> int:
    return sum(model._base_manager.count() for model in service.get_models())


@pytest.fixture
def created(service, contract, clients, people):
    """create() → one new object of the service's contract resource, made by its creator."""

    def create() -> dict:
        response = clients(contract.creator).post(
            collection(service, contract), contract.create(people)
        )
        assert response.status == 201, (service.code, response.status, response.data)
        return response.data

    return create


def change(service, contract, clients, obj: dict, *, version: int | None, by: str | None = None):
    spec = contract.change
    actor = by or (contract.creator if spec.by == "creator" else spec.by)
    body = dict(spec.body) if version is None else {**spec.body, "version": version}
    path = item(service, contract, obj) + spec.suffix
    api = clients(actor)
    if spec.method == "DELETE":
        return api.delete(path, body)
    return api.request(spec.method, path, body)


def test_a_caller_with_no_grant_is_refused_at_the_gateway(service, contract, clients):
    response = clients("outsider").get(collection(service, contract))
    assert (response.status, response.code, response.encrypted) == (403, "no_grant", True)


def test_a_read_only_caller_cannot_create_and_nothing_is_stored(service, contract, clients, people):
    before = stored_rows(service)
    response = clients("reader").post(collection(service, contract), contract.create(people))
    assert (response.status, response.code) == (403, "missing_grant"), service.code
    assert stored_rows(service) == before


def version_row(service, contract, obj: dict):
    model = service.get_model(contract.model)
    return model._base_manager.filter(**contract.row(obj))


def test_a_stale_version_is_a_409_with_the_current_object(service, contract, clients, created):
    obj = created()
    # Someone else's change, made a moment ago: the row is one version past what was read.
    assert version_row(service, contract, obj).update(version=F("version") + 1) == 1
    stale = change(service, contract, clients, obj, version=obj["version"])
    assert (stale.status, stale.code) == (409, "version_conflict"), (service.code, stale.data)
    current = stale.data["current"]
    # The object as it is now, as the view itself renders it.
    assert (current["id"], current["version"]) == (obj["id"], obj["version"] + 1)
    assert set(current) == set(obj), service.code


def test_a_change_without_a_version_is_a_400_naming_it(service, contract, clients, created):
    obj = created()
    response = change(service, contract, clients, obj, version=None)
    assert (response.status, response.code) == (400, "invalid"), (service.code, response.data)
    assert "version" in response.data["fields"]


def test_another_persons_object_is_hidden_or_refused(service, contract, clients, created):
    obj = created()
    other = clients("colleague")
    if contract.others == "hidden":
        assert other.get(item(service, contract, obj)).status == 404, service.code
        listed = other.get(
            collection(service, contract), {**contract.list_params, "page_size": 100}
        )
        assert obj["id"] not in [row["id"] for row in listed.data["results"]], service.code
    else:
        assert contract.others in ("refused", "admin-only"), contract.others
        refused = change(service, contract, clients, obj, version=obj["version"], by="colleague")
        assert refused.status in (403, 404), (service.code, refused.status, refused.data)
        if contract.others == "refused":  # an object rule of the service, not a missing grant
            assert refused.code not in ("missing_grant", "no_grant"), refused.code
        else:  # everyone reads it; changing it takes the service's admin grant
            assert (refused.status, refused.code) == (403, "missing_grant"), refused.data
    # Either way, the object is as its creator left it.
    assert version_row(service, contract, obj).get().version == obj["version"], service.code


def test_lists_paginate_with_one_shape(service, contract, clients, created):
    created()
    created()
    api = clients(contract.creator)
    page = api.get(collection(service, contract), {**contract.list_params, "page_size": 1})
    assert page.status == 200, (service.code, page.data)
    assert set(page.data) == {"count", "next", "previous", "results"}
    assert page.data["count"] >= 2 and len(page.data["results"]) == 1
    assert page.data["next"] and page.data["previous"] is None

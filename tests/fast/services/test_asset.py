"""asset: registering, lending and returning, retiring, unique tags, permissions, input.

The promises every service keeps (grants, versions, pagination) are in test_contract.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.asset.models import Asset, AssetState, Checkout

pytestmark = pytest.mark.django_db
BASE = "/api/v1/asset"


@pytest.fixture
def admin(connect, boss):
    return connect(boss)


@pytest.fixture
def as_writer(connect, writer):
    return connect(writer)


def register(api, tag="LAP-0101", **fields) -> dict:
    payload = {"tag": tag, "name": "ThinkPad X1", "category": "laptop", **fields}
    response = api.post(f"{BASE}/assets/", payload)
    assert response.status == 201, response.data
    return response.data


def test_a_registered_asset_is_available_with_no_history(admin):
    asset = register(admin)
    assert (asset["state"], asset["holder"], asset["checkouts"]) == ("available", None, [])
    assert asset["version"] == 1 and asset["updated_at"].endswith("Z")


def test_checking_out_and_returning_records_the_history(admin, as_writer, writer, colleague):
    asset = register(admin)
    out = as_writer.post(f"{BASE}/assets/{asset['id']}/checkout/", {"user": colleague.pk})
    assert out.status == 200, out.data
    assert (out.data["state"], out.data["holder"], out.data["version"]) == (
        "checked_out",
        colleague.pk,
        2,
    )
    back = as_writer.post(f"{BASE}/assets/{asset['id']}/return/")
    assert (back.data["state"], back.data["holder"]) == ("available", None)
    [checkout] = back.data["checkouts"]
    assert checkout["holder"] == colleague.pk and checkout["checked_out_by"] == writer.pk
    assert checkout["returned_at"] and checkout["returned_by"] == writer.pk


def test_an_asset_out_cannot_be_checked_out_again(admin, as_writer, writer, colleague):
    asset = register(admin)
    as_writer.post(f"{BASE}/assets/{asset['id']}/checkout/", {"user": colleague.pk})
    again = as_writer.post(f"{BASE}/assets/{asset['id']}/checkout/", {"user": writer.pk})
    assert (again.status, again.code) == (409, "already_checked_out")
    assert Asset.objects.get(pk=asset["id"]).holder == colleague
    assert Checkout.objects.count() == 1


def test_returning_an_asset_not_out_is_refused(admin, as_writer):
    asset = register(admin)
    response = as_writer.post(f"{BASE}/assets/{asset['id']}/return/")
    assert (response.status, response.code) == (409, "not_checked_out")


def test_a_retired_asset_stays_visible_but_cannot_be_lent(admin, as_writer, writer):
    asset = register(admin)
    retired = admin.delete(f"{BASE}/assets/{asset['id']}/", {"version": 1})
    assert (retired.status, retired.data["state"], retired.data["version"]) == (200, "retired", 2)
    assert as_writer.get(f"{BASE}/assets/{asset['id']}/").data["state"] == "retired"
    out = as_writer.post(f"{BASE}/assets/{asset['id']}/checkout/", {"user": writer.pk})
    assert (out.status, out.code) == (409, "retired")
    again = admin.delete(f"{BASE}/assets/{asset['id']}/", {"version": 2})
    assert (again.status, again.code) == (409, "retired")


def test_an_asset_out_cannot_be_retired(admin, as_writer, colleague):
    asset = register(admin)
    as_writer.post(f"{BASE}/assets/{asset['id']}/checkout/", {"user": colleague.pk})
    response = admin.delete(f"{BASE}/assets/{asset['id']}/", {"version": 2})
    assert (response.status, response.code) == (409, "checked_out")
    assert Asset.objects.get(pk=asset["id"]).state == AssetState.CHECKED_OUT


def test_a_tag_is_unique_among_assets_in_service(admin):
    first = register(admin, tag="LAP-0101")
    duplicate = admin.post(f"{BASE}/assets/", {"tag": "lap-0101", "name": "x", "category": "c"})
    assert (duplicate.status, duplicate.code) == (409, "tag_in_use")
    assert Asset.objects.count() == 1
    admin.delete(f"{BASE}/assets/{first['id']}/", {"version": 1})
    assert register(admin, tag="LAP-0101")["state"] == "available"  # the retired one freed it


def test_renaming_to_a_tag_in_use_is_refused(admin):
    register(admin, tag="LAP-0101")
    other = register(admin, tag="LAP-0102")
    response = admin.patch(f"{BASE}/assets/{other['id']}/", {"tag": "LAP-0101", "version": 1})
    assert (response.status, response.code) == (409, "tag_in_use")
    assert Asset.objects.get(pk=other["id"]).tag == "LAP-0102"
    renamed = admin.patch(f"{BASE}/assets/{other['id']}/", {"tag": "LAP-0102", "version": 1})
    assert (renamed.status, renamed.data["version"]) == (200, 2)  # its own tag is no clash


def test_retiring_needs_the_version_read(admin):
    asset = register(admin)
    assert admin.patch(f"{BASE}/assets/{asset['id']}/", {"name": "v2", "version": 1}).ok
    assert admin.delete(f"{BASE}/assets/{asset['id']}/", {"version": 1}).status == 409
    assert admin.delete(f"{BASE}/assets/{asset['id']}/").status == 400


def test_only_an_admin_registers_edits_and_retires(admin, as_writer):
    asset = register(admin)
    created = as_writer.post(f"{BASE}/assets/", {"tag": "X", "name": "x", "category": "c"})
    assert (created.status, created.code) == (403, "missing_grant")
    patched = as_writer.patch(f"{BASE}/assets/{asset['id']}/", {"name": "x", "version": 1})
    assert (patched.status, patched.code) == (403, "missing_grant")
    assert as_writer.delete(f"{BASE}/assets/{asset['id']}/", {"version": 1}).status == 403
    assert Asset.objects.get().name == "ThinkPad X1"


def test_a_read_only_caller_sees_the_register_but_cannot_lend(admin, connect, reader):
    asset = register(admin)
    api = connect(reader)
    assert api.get(f"{BASE}/assets/{asset['id']}/").status == 200
    out = api.post(f"{BASE}/assets/{asset['id']}/checkout/", {"user": reader.pk})
    assert (out.status, out.code) == (403, "missing_grant")
    assert not Checkout.objects.exists()


def test_an_unknown_asset_is_a_404(as_writer, writer):
    assert as_writer.get(f"{BASE}/assets/999999/").status == 404
    assert as_writer.post(f"{BASE}/assets/999999/checkout/", {"user": writer.pk}).status == 404


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"tag": "", "name": "x", "category": "c"},
        {"tag": "T" * 51, "name": "x", "category": "c"},
        {"tag": "T", "name": ["x"], "category": "c"},
        {"tag": "T", "name": "x"},
    ],
)
def test_invalid_asset_input_is_a_400_with_field_errors(admin, payload):
    response = admin.post(f"{BASE}/assets/", payload)
    assert (response.status, response.code) == (400, "invalid") and response.data["fields"]
    assert not Asset.objects.exists()


@pytest.mark.parametrize("payload", [{}, {"user": 999999}, {"user": "me"}, {"user": None}])
def test_checking_out_to_no_valid_user_is_a_400(admin, as_writer, payload):
    asset = register(admin)
    response = as_writer.post(f"{BASE}/assets/{asset['id']}/checkout/", payload)
    assert response.status == 400 and "user" in response.data["fields"]
    assert Asset.objects.get().state == AssetState.AVAILABLE


def test_an_inactive_user_cannot_take_an_asset(admin, as_writer, make_user):
    gone = make_user("gone", active=False)
    asset = register(admin)
    response = as_writer.post(f"{BASE}/assets/{asset['id']}/checkout/", {"user": gone.pk})
    assert response.status == 400 and "user" in response.data["fields"]


def test_the_register_paginates_and_filters(admin, as_writer, colleague):
    register(admin, tag="LAP-1", name="ThinkPad")
    monitor = register(admin, tag="MON-1", name="UltraSharp", category="monitor")
    register(admin, tag="LAP-2", name="MacBook")
    as_writer.post(f"{BASE}/assets/{monitor['id']}/checkout/", {"user": colleague.pk})

    def count(**params):
        return as_writer.get(f"{BASE}/assets/", params).data["count"]

    page = as_writer.get(f"{BASE}/assets/", {"page_size": 2}).data
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert count(category="laptop") == 2 and count(state="checked_out") == 1
    assert count(holder=colleague.pk) == 1 and count(q="mac") == 1 and count(q="lap-") == 2
    assert as_writer.get(f"{BASE}/assets/", {"state": "lost"}).status == 400


def test_the_demo_data_seeds_a_register_with_history(make_user):
    from services.asset import demo

    names = ("hana.kim", "minjun.lee", "sofia.rossi", "liam.chen", "amara.okafor")
    people = {name: make_user(name) for name in (*names, "noah.schmidt", "admin")}
    demo.seed(people=people, now=datetime.now(UTC))
    assert Asset.objects.filter(state=AssetState.CHECKED_OUT).count() == 4
    assert Asset.objects.filter(state=AssetState.RETIRED).count() == 1
    assert Checkout.objects.filter(returned_at__isnull=False).count() == 1

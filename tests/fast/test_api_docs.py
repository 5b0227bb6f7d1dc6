"""Swagger UI and Redoc for staff, served whole from the node, linked from the admin."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db
PAGES = ("/api/docs/", "/api/redoc/")
ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


@pytest.fixture
def staff(client, make_user):
    client.force_login(make_user("root", superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize("page", PAGES)
def test_the_page_and_everything_it_loads_come_from_the_node(staff, page):
    response = staff.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/schema/" in html  # the schema it renders
    assert not re.search(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}/", html), "a script or style from a CDN"
    assets = ASSET.findall(html)
    assert any(asset.endswith(".js") for asset in assets), assets
    for asset in assets:
        assert asset.startswith("/static/drf_spectacular_sidecar/"), asset
        served = staff.get(asset)
        assert served.status_code == 200, asset
        assert b"".join(served.streaming_content) if served.streaming else served.content


def test_swagger_ui_offers_no_try_it_out(staff):
    html = staff.get("/api/docs/").content.decode()
    assert '"supportedSubmitMethods": []' in html


def test_the_admin_index_links_the_schema_and_its_two_views(staff):
    html = staff.get("/admin/").content.decode()
    for path in ("/api/docs/", "/api/redoc/", "/api/schema/"):
        assert f'href="{path}"' in html, path
    assert 'data-testid="platform-links"' in html
    assert "Access" in html and "Routing" in html  # still the admin's index, sections and all

"""The admin as a whole: its name, the index grouped by task, links out, and `/`."""

from __future__ import annotations

import re

import pytest
from django.urls import Resolver404, resolve

from core import registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_client(client, make_user):
    client.force_login(make_user("root", superuser=True, is_staff=True))
    return client


def sections(page: str) -> list[str]:
    return re.findall(r'data-section="([^"]+)"', page)


def test_the_admin_carries_the_platforms_configured_name(root_client, settings):
    settings.PLATFORM_NAME = "Acme staff"
    page = root_client.get("/admin/").content.decode()
    assert "Acme staff administration" in page
    assert "<title>Node A | Acme staff admin</title>" in page
    assert "Django administration" not in page


def test_the_index_groups_access_routing_audit_then_the_services_in_registry_order(root_client):
    page = root_client.get("/admin/").content.decode()
    services = [c.label for c in registry.business_services()]
    assert sections(page) == ["access", "routing", "audit", *services]


def test_the_access_section_lists_people_grants_sessions_and_keys_in_that_order(root_client):
    page = root_client.get("/admin/").content.decode()
    access = page.split('data-section="access"')[1].split('data-section="routing"')[0]
    names = re.findall(r'<th scope="row" id="access-\w+">\s*<a href="[^"]+">([^<]+)</a>', access)
    assert names == ["Users", "Groups", "Grants", "Client sessions", "Server keys"]


def test_each_service_section_is_named_by_the_service(root_client):
    page = root_client.get("/admin/").content.decode()
    for config in registry.business_services():
        block = page.split(f'data-section="{config.label}"')[1].split("</caption>")[0]
        assert config.display_name in block


def api_docs_path() -> str:
    try:
        resolve("/api/docs/")
    except Resolver404:
        return "/api/schema/"
    return "/api/docs/"


def test_every_admin_page_links_to_operations_and_the_api_docs(root_client):
    for url in ("/admin/", "/admin/gateway/serviceroute/"):
        page = root_client.get(url).content.decode()
        assert 'class="platform-link" href="/ops/"' in page
        assert f'class="platform-link" href="{api_docs_path()}"' in page


def test_view_site_leads_staff_to_the_operations_dashboard(root_client):
    page = root_client.get("/admin/").content.decode()
    assert '<a href="/">View site</a>' in page
    response = root_client.get("/")
    assert (response.status_code, response["Location"]) == (302, "/ops/")


@pytest.mark.parametrize("who", ["anonymous", "staff-less"])
def test_the_front_page_is_a_short_status_page_for_everyone_else(client, make_user, who):
    if who == "staff-less":
        client.force_login(make_user("colleague"))
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="status-page"' in page
    assert 'data-testid="node">A<' in page
    assert 'href="/admin/login/?next=/ops/"' in page
    # Nothing about the node's health or data: that is for staff and monitoring.
    for detail in ("replication", "DatabaseWritable", "session"):
        assert detail not in page

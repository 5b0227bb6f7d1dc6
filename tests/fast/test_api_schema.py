"""/api/schema/: staff only, and it describes every service's decrypted payloads."""

import pytest
import yaml

from core import registry

pytestmark = pytest.mark.django_db


def test_the_schema_is_refused_to_anonymous_and_non_staff_users(client, make_user):
    assert client.get("/api/schema/").status_code in (401, 403)
    client.force_login(make_user("plain"))
    assert client.get("/api/schema/").status_code == 403


def test_the_schema_describes_all_services_with_their_payloads(client, make_user):
    client.force_login(make_user("root", superuser=True, is_staff=True))
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    for config in registry.services():
        assert any(p.startswith(config.prefix) for p in paths), config.code
    booking = schema["components"]["schemas"]["BookingRequest"]["properties"]
    assert {"room", "start", "end"} <= set(booking)
    assert "TaskRequest" in schema["components"]["schemas"]

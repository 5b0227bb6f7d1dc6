"""Key rotation from the admin: a confirmation page, then the command's own code path."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

import credential.admin_keys
from credential.keys import key_rotate, keyring
from credential.models import ServerKey

pytestmark = pytest.mark.django_db
ROTATE = "/admin/credential/serverkey/rotate/"


@pytest.fixture
def root_client(client, make_user):
    client.force_login(make_user("root", superuser=True, is_staff=True))
    return client


def test_the_key_list_offers_rotation(root_client, server_key):
    page = root_client.get("/admin/credential/serverkey/").content.decode()
    assert f'href="{ROTATE}"' in page
    assert "<h1>Server keys</h1>" in page


def test_the_confirmation_says_what_will_happen_and_changes_nothing(
    root_client, server_key, settings
):
    settings.CREDENTIAL_KEY_OVERLAP_SECONDS = 2 * 86400
    page = root_client.get(ROTATE).content.decode()
    until = timezone.now() + timedelta(days=2)
    assert "new key becomes the primary" in page
    assert f"the current primary <strong>{server_key.kid}</strong>" in page
    assert f"stays accepted until {until:%Y-%m-%d}" in page
    assert 'name="overlap_hours" value="48"' in page
    assert list(ServerKey.objects.values_list("kid", flat=True)) == [server_key.kid]


def test_confirming_rotates_through_the_commands_code_path(root_client, server_key, monkeypatch):
    calls = []

    def spy(**kwargs):
        calls.append(kwargs)
        return key_rotate(**kwargs)

    monkeypatch.setattr(credential.admin_keys, "key_rotate", spy)
    response = root_client.post(ROTATE, {"overlap_hours": "3"}, follow=True)
    assert calls == [{"overlap": timedelta(hours=3)}]
    new = ServerKey.objects.get(is_primary=True)
    old = ServerKey.objects.get(pk=server_key.pk)
    assert new.kid != old.kid and old.is_primary is False
    assert abs(old.retires_at - (timezone.now() + timedelta(hours=3))) < timedelta(minutes=1)
    page = response.content.decode()
    assert f"New primary key {new.kid}" in page and f"{old.kid} stays accepted until" in page


def test_the_public_key_list_changes_after_a_rotation(root_client, client, server_key):
    before = [k["kid"] for k in client.get("/api/v1/credential/public-key").json()["keys"]]
    root_client.post(ROTATE, {"overlap_hours": "1"})
    keyring.clear()  # this process's ring, refreshed each second on a node
    keys = client.get("/api/v1/credential/public-key").json()["keys"]
    assert before == [server_key.kid]
    assert [k["primary"] for k in keys] == [True, False]
    assert keys[1]["kid"] == server_key.kid and keys[0]["kid"] != server_key.kid


def test_a_bad_overlap_is_refused_and_nothing_rotates(root_client, server_key):
    response = root_client.post(ROTATE, {"overlap_hours": "-1"})
    assert response.status_code == 200
    assert "The overlap cannot be negative" in response.content.decode()
    assert ServerKey.objects.count() == 1


def test_staff_without_the_key_permission_cannot_rotate(client, make_user, server_key):
    staff = make_user("desk", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_serverkey"))
    client.force_login(staff)
    assert f'href="{ROTATE}"' not in client.get("/admin/credential/serverkey/").content.decode()
    assert client.get(ROTATE).status_code == 403
    assert client.post(ROTATE, {"overlap_hours": "1"}).status_code == 403
    assert ServerKey.objects.count() == 1

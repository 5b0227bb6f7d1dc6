"""Fixtures shared by every tier: process caches reset, server key, users, API clients.

Personas, users every test can rely on: `boss` holds every action on every service,
`writer` and `colleague` are ordinary staff (`read` and `write`), `reader` holds only
`read`, `outsider` no grant at all. `connect(user)` gives a logged-in reference client.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from client import PlatformClient
from core import registry
from credential.grants import clear_grant_cache
from credential.keys import key_generate, keyring
from credential.models import Grant
from credential.sessions import forget_cached_sessions
from gateway.models import ServiceRoute
from gateway.routing import routes
from replication.homes import homes
from tests.support.transport import InProcessTransport

PASSWORD = "Tr0ub4dor&3-horse-staple"


def granted_services() -> list[str]:
    """Every service a grant can name (the registry's), plus the test-only service."""
    return [config.code for config in registry.services()] + ["test"]


@pytest.fixture(autouse=True)
def _fresh_process_caches(settings, tmp_path):
    # Each cache outlives the rolled-back rows it was filled from (a home moved to node 2
    # in one test was still node 2 for the next one's move_home).
    # The node's own store too (revocations, nonces, failure tallies): one test's
    # failures from 127.0.0.1 must not fold into the next one's audit window.
    settings.PLATFORM_STATE_DIR = str(tmp_path / "node-state")
    keyring.clear()
    clear_grant_cache()
    routes.clear()
    homes.clear()
    forget_cached_sessions()
    yield
    keyring.clear()
    clear_grant_cache()
    routes.clear()
    homes.clear()
    forget_cached_sessions()


@pytest.fixture
def test_service(db):
    """Routes `/api/v1/test/` to tests/support/service_urls.py (echo, boom, slow)."""
    return ServiceRoute.objects.create(
        code="test", display_name="Test", target="tests.support.service_urls"
    )


@pytest.fixture(scope="session")
def rsa_private_key():
    """Generated once per run: RSA-3072 generation costs far more than the tests using it."""
    from core.crypto.envelope import generate_private_key

    return generate_private_key()


@pytest.fixture
def server_key(db, rsa_private_key):
    return key_generate(primary=True, private_key=rsa_private_key)


@pytest.fixture
def make_user(db, django_user_model):
    def make(username, *, grants=None, groups=(), superuser=False, active=True, **fields):
        user = django_user_model.objects.create_user(
            username=username, password=PASSWORD, is_superuser=superuser, is_active=active, **fields
        )
        for name in groups:
            user.groups.add(Group.objects.get_or_create(name=name)[0])
        for service, actions in (grants or {}).items():
            Grant.objects.create(
                service=service,
                user=user,
                can_read="read" in actions,
                can_write="write" in actions,
                can_admin="admin" in actions,
            )
        return user

    return make


@pytest.fixture
def connect(server_key):
    """connect(user=None, address=...) → a PlatformClient on the in-process node."""

    def make(user=None, *, password=PASSWORD, address="127.0.0.1"):
        api = PlatformClient(
            "http://testserver",
            pinned_fingerprints=[server_key.fingerprint_sha256],
            transport=InProcessTransport(remote_addr=address),
            retries=0,
        )
        if user is not None:
            response = api.login(user.username, password)
            assert response.status == 200, response.data
        return api

    return make


@pytest.fixture
def boss(make_user):
    return make_user("boss", grants={s: ("read", "write", "admin") for s in granted_services()})


@pytest.fixture
def reader(make_user):
    return make_user("reader", grants={s: ("read",) for s in granted_services()})


@pytest.fixture
def writer(make_user):
    return make_user("writer", grants={s: ("read", "write") for s in granted_services()})


@pytest.fixture
def colleague(make_user):
    return make_user("colleague", grants={s: ("read", "write") for s in granted_services()})


@pytest.fixture
def outsider(make_user):
    return make_user("outsider")

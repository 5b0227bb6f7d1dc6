"""Deactivation, the one way a person leaves (nobody is deleted)."""

from __future__ import annotations

import inspect

import pytest

from credential.models import AuditEvent
from credential.users import user_deactivate, user_reactivate
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_signature_is_the_shared_contract():
    signature = inspect.signature(user_deactivate)
    assert [(p.name, p.kind) for p in signature.parameters.values()] == [
        ("user", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        ("by", inspect.Parameter.KEYWORD_ONLY),
    ]


def test_it_deactivates_ends_every_session_and_counts_them(connect, writer, boss):
    clients = [connect(writer), connect(writer)]
    assert user_deactivate(writer, by=boss) == 2
    writer.refresh_from_db()
    assert writer.is_active is False
    for api in clients:
        assert api.get("/api/v1/credential/me").code == "session_invalid"
    assert connect().login("writer", PASSWORD).code == "invalid_credentials"
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.USER_DEACTIVATED)
    assert event.detail == {
        "by": "boss",
        "sessions_ended": 2,
        "changes": {"is_active": [True, False]},
    }
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.REVOKE).count() == 2


def test_deactivating_twice_changes_and_records_nothing_more(writer):
    assert user_deactivate(writer, by=None) == 0
    assert user_deactivate(writer, by=None) == 0
    [event] = AuditEvent.objects.filter(kind=AuditEvent.Kind.USER_DEACTIVATED)
    assert event.detail["by"] == "system"


def test_the_user_row_stays_and_so_do_its_grants(writer):
    grants = writer.grants.count()
    user_deactivate(writer, by=None)
    assert writer.__class__.objects.filter(pk=writer.pk).exists()
    assert writer.grants.count() == grants > 0


def test_reactivation_lets_the_person_sign_in_again(connect, writer):
    user_deactivate(writer, by=None)
    assert user_reactivate(writer, by=None) is True
    assert user_reactivate(writer, by=None) is False
    assert connect().login("writer", PASSWORD).status == 200

"""The credential commands: server key management and pruning of ended rows."""

from __future__ import annotations

import io
import os
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from core.activeactive import delete_in_batches
from credential.models import ServerKey, Session
from credential.sessions import session_create
from replication.models import RequestRecord


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def primary() -> ServerKey:
    return ServerKey.objects.get(is_primary=True)


def secondary() -> ServerKey:
    """A key rotated out and still in its overlap."""
    run("credential_keys", "generate", "--primary")
    run("credential_keys", "rotate", "--overlap-seconds", "3600")
    return ServerKey.objects.get(is_primary=False)


@pytest.mark.django_db
def test_a_generated_primary_key_is_listed_without_private_material():
    output = run("credential_keys", "generate", "--primary")
    key = primary()
    assert key.kid in output
    listing = run("credential_keys", "list")
    assert key.kid in listing
    assert key.fingerprint_sha256 in listing
    assert bytes(key.wrapped_private_key).hex() not in listing


@pytest.mark.django_db
def test_generate_without_primary_leaves_the_primary_alone():
    run("credential_keys", "generate", "--primary")
    first = primary()
    run("credential_keys", "generate")
    assert primary() == first
    assert ServerKey.objects.count() == 2


@pytest.mark.django_db
def test_rotate_makes_a_new_primary_and_keeps_the_old_one_for_the_overlap():
    run("credential_keys", "generate", "--primary")
    old = primary()
    output = run("credential_keys", "rotate", "--overlap-seconds", "600")
    new = primary()
    old.refresh_from_db()
    assert new != old and new.kid in output
    assert not old.is_primary
    assert abs(old.retires_at - (timezone.now() + timedelta(seconds=600))) < timedelta(seconds=5)
    assert old.accepted()


@pytest.mark.django_db
def test_rotate_uses_the_configured_overlap_by_default(settings):
    settings.CREDENTIAL_KEY_OVERLAP_SECONDS = 7200
    run("credential_keys", "generate", "--primary")
    old = primary()
    run("credential_keys", "rotate")
    old.refresh_from_db()
    expected = timezone.now() + timedelta(seconds=7200)
    assert abs(old.retires_at - expected) < timedelta(seconds=5)


@pytest.mark.django_db
def test_retire_without_apply_changes_nothing():
    key = secondary()
    before = (key.retires_at, key.version)
    output = run("credential_keys", "retire", key.kid)
    assert "Would retire" in output and "--apply" in output
    key.refresh_from_db()
    assert (key.retires_at, key.version) == before
    assert key.accepted()


@pytest.mark.django_db
def test_retire_with_apply_stops_accepting_the_key():
    key = secondary()
    run("credential_keys", "retire", key.kid, "--apply")
    key.refresh_from_db()
    assert not key.accepted()


@pytest.mark.django_db
def test_retiring_the_primary_is_refused():
    run("credential_keys", "generate", "--primary")
    with pytest.raises(CommandError, match="primary"):
        run("credential_keys", "retire", primary().kid, "--apply")
    assert primary().accepted()


@pytest.mark.django_db
def test_retiring_an_unknown_key_is_refused():
    with pytest.raises(CommandError, match="No server key"):
        run("credential_keys", "retire", "nosuchkid", "--apply")


@pytest.mark.django_db
def test_ensure_creates_a_primary_once_then_reports_it():
    first = run("credential_keys", "ensure")
    key = primary()
    assert f"Created primary key {key.kid}" in first
    second = run("credential_keys", "ensure")
    assert f"Primary key {key.kid} exists" in second
    assert ServerKey.objects.count() == 1


def new_session(user) -> Session:
    session, _ = session_create(user=user, key=os.urandom(32), client={}, address="127.0.0.1")
    return session


@pytest.fixture
def prunable_rows(django_user_model, settings):
    """Ended and live sessions and nonces, of this node and of the other."""
    user = django_user_model.objects.create_user(username="alice")
    long_ago = timezone.now() - timedelta(days=3)
    ended, ended_elsewhere, live = new_session(user), new_session(user), new_session(user)
    Session.objects.filter(pk__in=[ended.pk, ended_elsewhere.pk]).update(revoked_at=long_ago)
    other = 2 if settings.PLATFORM_NODE_INDEX == 1 else 1
    Session.objects.filter(pk=ended_elsewhere.pk).update(created_on_node=other)
    mine = settings.PLATFORM_NODE_INDEX
    old_record = record(scope="s", nonce="old", db_index=mine, at=long_ago)
    record(scope="s", nonce="fresh", db_index=mine)
    record(scope="t", nonce="old", db_index=other, at=long_ago)  # the other database prunes it
    # A request applied on both databases is evidence: kept until repaired.
    record(scope="d", nonce="doubled", db_index=mine, at=long_ago)
    record(scope="d", nonce="doubled", db_index=other, at=long_ago)
    return {"ended": ended, "kept": [ended_elsewhere, live], "old_record": old_record}


def record(**fields) -> RequestRecord:
    return RequestRecord.objects.create(digest="x", method="POST", path="/p", status=201, **fields)


@pytest.mark.django_db
def test_prune_dry_run_counts_and_deletes_nothing(prunable_rows):
    output = run("platform_prune")
    assert "Would delete 1 ended sessions" in output
    assert "Would delete 1 request records" in output
    assert Session.objects.count() == 3
    assert RequestRecord.objects.count() == 5


@pytest.mark.django_db
def test_prune_apply_deletes_only_this_nodes_ended_sessions_and_old_records(prunable_rows):
    output = run("platform_prune", "--apply")
    assert "Deleted 1 ended sessions" in output
    assert "Deleted 1 request records" in output
    assert set(Session.objects.all()) == set(prunable_rows["kept"])
    assert not RequestRecord.objects.filter(pk=prunable_rows["old_record"].pk).exists()
    assert RequestRecord.objects.count() == 4


@pytest.mark.django_db
def test_prune_keeps_sessions_ended_within_the_retention(prunable_rows):
    output = run("platform_prune", "--apply", "--retention-hours", "96")
    assert "Deleted 0 ended sessions" in output
    assert Session.objects.count() == 3


@pytest.mark.django_db
def test_batched_deletion_removes_every_row():
    for n in range(5):
        record(scope="s", nonce=str(n), db_index=1)
    assert delete_in_batches(RequestRecord.objects.all(), batch_size=2) == 5
    assert not RequestRecord.objects.exists()

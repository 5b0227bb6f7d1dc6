"""Session lifetime: idle and absolute expiry, logout, revocation, own-session management."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from credential.models import Grant, Session
from credential.sessions import hash_session_id, session_revoke, sessions_revoke_for_user

pytestmark = pytest.mark.django_db


def stored(api) -> Session:
    return Session.objects.get(id_hash=hash_session_id(api.session.session_id))


def test_a_session_idle_past_its_timeout_is_expired(connect, boss):
    api = connect(boss)
    Session.objects.filter(pk=stored(api).pk).update(
        last_seen_at=timezone.now() - timedelta(minutes=31)
    )
    response = api.get("/api/v1/credential/me")
    assert (response.status, response.code, response.encrypted) == (401, "session_expired", False)


def test_activity_keeps_a_session_alive_past_the_idle_timeout(connect, boss, settings):
    settings.CREDENTIAL_SESSION_TOUCH_SECONDS = 1
    api = connect(boss)
    Session.objects.filter(pk=stored(api).pk).update(
        last_seen_at=timezone.now() - timedelta(minutes=29)
    )
    assert api.get("/api/v1/credential/me").status == 200
    assert timezone.now() - stored(api).last_seen_at < timedelta(seconds=5)


def test_requests_within_the_touch_interval_do_not_write_the_session(connect, boss):
    api = connect(boss)
    before = stored(api)
    for _ in range(3):
        assert api.get("/api/v1/credential/me").status == 200
    after = stored(api)
    assert (after.last_seen_at, after.version, after.updated_at) == (
        before.last_seen_at,
        before.version,
        before.updated_at,
    )


def test_a_session_past_its_absolute_lifetime_is_expired(connect, boss):
    api = connect(boss)
    Session.objects.filter(pk=stored(api).pk).update(expires_at=timezone.now())
    assert api.get("/api/v1/credential/me").code == "session_expired"


def test_logout_ends_the_session(connect, boss):
    api = connect(boss)
    state = api.session
    assert api.logout().status == 200
    assert Session.objects.get(id_hash=hash_session_id(state.session_id)).revoked_reason == "logout"
    api_again = connect()
    api_again.resume(state)  # the same id and key, used after logout
    assert api_again.get("/api/v1/credential/me").code == "session_invalid"


def test_an_admin_revocation_ends_the_session(connect, boss, make_user):
    api = connect(boss)
    assert session_revoke(stored(api), reason="admin", by=make_user("root", superuser=True))
    assert api.get("/api/v1/credential/me").code == "session_invalid"


def test_revoking_all_sessions_of_a_user_leaves_others_alone(connect, boss, reader):
    first, second, other = connect(boss), connect(boss), connect(reader)
    assert sessions_revoke_for_user(boss, reason="admin") == 2
    assert first.get("/api/v1/credential/me").code == "session_invalid"
    assert second.get("/api/v1/credential/me").code == "session_invalid"
    assert other.get("/api/v1/credential/me").status == 200


def test_a_deactivated_user_loses_live_sessions(connect, boss):
    api = connect(boss)
    boss.is_active = False
    boss.save()
    assert api.get("/api/v1/credential/me").code == "session_invalid"


def test_a_user_lists_and_ends_only_their_own_sessions(connect, boss, reader):
    mine, mine_too, theirs = connect(boss), connect(boss), connect(reader)
    listed = mine.get("/api/v1/credential/sessions").data["results"]
    assert len(listed) == 2
    assert [s["current"] for s in listed].count(True) == 1
    other_id = str(stored(theirs).pk)
    assert mine.delete(f"/api/v1/credential/sessions/{other_id}").status == 404
    assert theirs.get("/api/v1/credential/me").status == 200
    assert mine.delete(f"/api/v1/credential/sessions/{stored(mine_too).pk}").status == 204
    assert mine_too.get("/api/v1/credential/me").code == "session_invalid"


def test_a_grant_change_reaches_a_live_session_without_a_new_login(connect, reader, settings):
    settings.CREDENTIAL_GRANTS_TTL_SECONDS = 0
    api = connect(reader)
    assert api.get("/api/v1/credential/me").data["grants"]["test"] == ["read"]
    Grant.objects.filter(user=reader, service="test").update(can_write=True)
    assert api.get("/api/v1/credential/me").data["grants"]["test"] == ["read", "write"]


def test_session_ids_carry_256_bits_and_are_stored_only_as_hashes(connect, boss):
    api = connect(boss)
    session_id = api.session.session_id
    assert len(session_id) >= 43
    row = stored(api)
    assert row.id_hash == hash_session_id(session_id)
    assert session_id.encode() not in bytes(row.wrapped_key)
    assert api.session.key not in bytes(row.wrapped_key)


def test_a_revocation_made_elsewhere_applies_once_the_process_cache_lapses(connect, boss, settings):
    import time

    settings.CREDENTIAL_SESSION_CACHE_SECONDS = 0.2
    api = connect(boss)
    assert api.get("/api/v1/credential/me").status == 200  # now cached in this process
    # As a revocation replicated from the other node arrives: a row change, no local call.
    Session.objects.filter(pk=stored(api).pk).update(revoked_at=timezone.now())
    time.sleep(0.25)
    assert api.get("/api/v1/credential/me").code == "session_invalid"

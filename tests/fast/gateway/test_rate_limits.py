"""Rate limits per client address (plain 429) and per session (sealed 429)."""

from __future__ import annotations

import pytest

from gateway.ratelimit import Limiter
from tests.conftest import PASSWORD
from tests.support.transport import InProcessTransport

pytestmark = pytest.mark.django_db


def test_a_bucket_refills_at_its_rate_and_says_when():
    limiter = Limiter(rate=2, burst=2)
    assert [limiter.take("k", now=0.0) for _ in range(3)] == [0, 0, 1]
    assert limiter.take("k", now=0.5) == 0  # one token back after half a second
    assert limiter.take("other", now=0.5) == 0


def test_a_zero_rate_turns_the_limit_off():
    limiter = Limiter(rate=0, burst=1)
    assert all(limiter.take("k", now=0.0) == 0 for _ in range(1000))


def test_old_keys_are_forgotten_beyond_the_bound():
    limiter = Limiter(rate=1, burst=1, max_keys=2)
    for key in ("a", "b", "c"):
        limiter.take(key, now=0.0)
    assert limiter.take("a", now=0.0) == 0  # "a" was dropped, so it starts full again


def test_a_session_over_its_rate_gets_a_sealed_429(connect, writer, settings):
    settings.GATEWAY_SESSION_RATE_PER_SECOND, settings.GATEWAY_SESSION_BURST = 0.01, 3
    api = connect(writer)
    answers = [api.get("/api/v1/credential/me") for _ in range(5)]
    assert [a.status for a in answers[:3]] == [200, 200, 200]
    limited = answers[3]
    assert (limited.status, limited.code, limited.encrypted) == (429, "rate_limited", True)
    assert int(limited.headers["Retry-After"]) >= 1


def test_an_address_over_its_rate_gets_a_plain_429_and_others_do_not(connect, writer, settings):
    settings.GATEWAY_ADDRESS_RATE_PER_SECOND, settings.GATEWAY_ADDRESS_BURST = 0.01, 3
    flooding = connect(address="10.0.0.9")
    answers = [flooding.login("writer", "wrong") for _ in range(4)]
    assert [a.status for a in answers[:3]] == [401, 401, 401]
    limited = answers[3]
    assert (limited.status, limited.code, limited.encrypted) == (429, "rate_limited", False)
    # Another address, through the very same app instance (the same limiter).
    other = connect()
    other.transport = InProcessTransport("10.0.0.10", django=flooding.transport.django)
    assert other.login("writer", PASSWORD).status == 200


def test_logins_from_one_address_are_limited_before_the_rsa_work(settings, server_key, boss):
    from django.test import override_settings

    from tests.support import wire
    from tests.support.transport import InProcessTransport

    with override_settings(GATEWAY_LOGIN_RATE_PER_SECOND=0.1, GATEWAY_LOGIN_BURST=3):
        transport = InProcessTransport(remote_addr="203.0.113.9")
        answers = [
            wire.send(transport, wire.seal_login(server_key, "boss", "wrong")) for _ in range(6)
        ]
    codes = [a.status for a in answers]
    assert codes[:3] == [401, 401, 401] and set(codes[3:]) == {429}
    assert all(wire.problem(a) == "rate_limited" for a in answers[3:])
    assert all(int(a.headers["Retry-After"]) >= 1 for a in answers[3:])


def test_bad_tags_from_one_source_are_audited_as_one_row_then_one_count(connect, boss, monkeypatch):
    import time

    from credential import audit
    from credential.models import AuditEvent
    from tests.support import wire

    monkeypatch.setattr(audit, "FAILURE_WINDOW_SECONDS", 0.5)
    api = connect(boss, address="198.51.100.7")
    transport = InProcessTransport(remote_addr="198.51.100.7")

    def tampered():
        request = wire.seal(key=api.session.key, session_id=api.session.session_id)
        request.headers["X-Tag"] = "A" * 22 + "=="
        return wire.send(transport, request)

    assert {wire.problem(tampered()) for _ in range(40)} == {"decrypt_failed"}
    rows = AuditEvent.objects.filter(kind="decrypt_failed", client_address="198.51.100.7")
    assert [row.detail["count"] for row in rows] == [1]  # one row for forty failures
    time.sleep(0.6)  # the window closes; the next failure reports the count
    tampered()
    counts = sorted(row.detail["count"] for row in rows.all())
    assert counts == [1, 1, 40]

"""The person page shows the sign-in lockout and lifts it (credential/user_pages.py)."""

from __future__ import annotations

import pytest

from credential.lockout import lockout_state
from tests.support import wire
from tests.support.transport import InProcessTransport

pytestmark = pytest.mark.django_db


def test_a_locked_person_page_shows_the_lock_and_unlock_lifts_it(
    admin_client, make_user, server_key
):
    person = make_user("locked.out")
    transport = InProcessTransport(remote_addr="192.0.2.44")
    for _ in range(5):
        wire.send(transport, wire.seal_login(server_key, "locked.out", "wrong"))
    assert lockout_state("locked.out").locked
    page = admin_client.get(f"/admin/auth/user/{person.pk}/change/")
    assert b'data-locked="yes"' in page.content
    assert b"Unlock (sign-in allowed again now)" in page.content
    done = admin_client.post(f"/admin/auth/user/{person.pk}/unlock/", follow=True)
    assert b"may sign in again" in done.content
    assert not lockout_state("locked.out").locked
    assert admin_client.get(f"/admin/auth/user/{person.pk}/unlock/").status_code == 405

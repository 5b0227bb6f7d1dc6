"""The retention job for deactivated users, and move_home's dry run, on a single node.

Both commands' replicated behaviour (the peer's copy checked, the fenced hand-over) runs
on the real pair in the cluster tier.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from credential.models import Session
from credential.sessions import session_create
from replication.homes import homes
from replication.models import HomeChange

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_it_anonymises_a_deactivated_idle_user_only_with_apply(make_user):
    gone = make_user("gone", active=False, email="gone@example.com", first_name="Gone")
    dry = run("anonymise_users", "--days", "0")
    assert f"would anonymise {gone.pk} (gone)" in dry and "dry run" in dry
    gone.refresh_from_db()
    assert gone.username == "gone"
    assert f"anonymised {gone.pk}" in run("anonymise_users", "--days", "0", "--apply")
    gone.refresh_from_db()
    assert (gone.username, gone.email, gone.first_name) == (f"anonymised-{gone.pk}", "", "")
    assert not gone.has_usable_password() and not gone.is_active


def test_it_keeps_a_deactivated_user_with_a_live_session_or_recent_activity(make_user):
    live, recent, staying = make_user("live"), make_user("recent"), make_user("staying")
    session_create(user=live, key=b"k" * 32, client={}, address=None)
    session, _ = session_create(user=recent, key=b"k" * 32, client={}, address=None)
    Session.objects.filter(pk=session.pk).update(revoked_at=timezone.now())
    for user in (live, recent):
        user.is_active = False
        user.save(update_fields=["is_active"])
    out = run("anonymise_users", "--days", "30", "--apply")
    assert f"kept {live.pk} (live): a session is still live" in out
    assert f"kept {recent.pk} (recent): active on the default database" in out
    assert "0 user(s) anonymised" in out
    staying.refresh_from_db()
    assert staying.username == "staying"


def test_move_home_says_what_it_would_do_and_changes_nothing_without_apply():
    out = run("move_home", "reservation", "--to", "2")
    assert "reservation: home node 1 → 2" in out and "would fence" in out and "dry run" in out
    homes.clear()
    assert homes.home_node("reservation") == 1 and not HomeChange.objects.exists()


def test_move_home_refuses_a_service_without_home_node_data():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no service with home-node data"):
        run("move_home", "task", "--to", "2")


def test_every_service_with_home_node_data_has_its_row_after_migrate():
    from replication.models import ServiceHome

    codes = set(ServiceHome.objects.values_list("code", flat=True))
    assert {"credential", "approval", "asset", "reservation"} <= codes
    assert not ServiceHome.objects.exclude(moving_to=None).exists()

"""No write path around the home, no hard delete, no 500 from a race (rules 7 and 8).

On the real pair, partitions through the fault proxy (node B cannot reach database A,
nor A database B, replication cut both ways): `createsuperuser`, `changepassword`,
`loaddata` and the shell on B in and out of a partition; a user deleted on A while they
log in on B; one username submitted in both nodes' admins at once. Each ends sound
(tests/cluster/safety_harness.py); figures in var/test-artifacts/replication-safety.json.
"""

from __future__ import annotations

import json
import re
import secrets
import threading

from tests.cluster.conftest import PASSWORD, login
from tests.cluster.safety_harness import (
    NEW_PASSWORD,
    admin_session,
    assert_sound,
    manage,
    on_both,
    record,
    wait_until,
)

HOME_REFUSAL = "whose home is node 1"


def users_named(cluster, username: str) -> dict[str, int]:
    found = on_both(cluster, "SELECT COUNT(*) FROM auth_user WHERE username = %s", [username])
    return {name: result[0][0] for name, result in found.items()}


def refused_plainly(done, *words: str) -> bool:
    text = done.stderr
    return done.returncode == 1 and "Traceback" not in text and all(w in text for w in words)


def test_commands_on_b_write_to_the_home_or_refuse_naming_it_in_and_out_of_a_partition(
    cluster, pt_dsn, partition, tmp_path
):
    tag = secrets.token_hex(3)
    name, env = f"su-b-{tag}", {"DJANGO_SUPERUSER_PASSWORD": PASSWORD}
    create = ("createsuperuser", "--noinput", "--username", name, "--email", "su@example.com")
    refused = manage(cluster, 2, *create, env=env)
    assert refused_plainly(refused, "NotTheHome: auth_user", HOME_REFUSAL, "--database peer"), (
        refused
    )
    made = manage(cluster, 2, *create, "--database", "peer", env=env)
    assert made.returncode == 0, made.stderr
    changed = manage(cluster, 2, "changepassword", name, stdin=f"{NEW_PASSWORD}\n" * 2)
    assert changed.returncode == 0, changed.stderr
    cluster.wait_in_sync()
    assert users_named(cluster, name) == {"a": 1, "b": 1}
    hashes = on_both(cluster, "SELECT password FROM auth_user WHERE username = %s", [name])
    assert hashes["a"] == hashes["b"]
    fixture = tmp_path / "group.json"
    fixture.write_text(json.dumps([{"model": "auth.group", "fields": {"name": f"fx-{tag}"}}]))
    loaded = manage(cluster, 2, "loaddata", str(fixture))
    assert refused_plainly(loaded, HOME_REFUSAL), loaded
    raw = (
        "from django.contrib.auth.models import Group; "
        f"Group.objects.using('default').create(name='sh-{tag}')"
    )
    assert refused_plainly(manage(cluster, 2, "shell", "-c", raw), HOME_REFUSAL)

    partition()
    in_partition = manage(cluster, 2, *create[:3], f"p-b-{tag}", *create[4:], env=env)
    cut_off = manage(cluster, 2, "changepassword", name, stdin=f"{PASSWORD}\n" * 2)
    at_home = manage(cluster, 1, *create[:3], f"p-a-{tag}", *create[4:], env=env)
    cluster.faults.heal()

    assert refused_plainly(in_partition, HOME_REFUSAL), in_partition
    assert refused_plainly(cut_off, "cannot be reached", "nothing was written"), cut_off
    assert at_home.returncode == 0, at_home.stderr
    sound = assert_sound(cluster, pt_dsn)
    assert users_named(cluster, f"p-a-{tag}") == {"a": 1, "b": 1}
    assert users_named(cluster, f"p-b-{tag}") == {"a": 0, "b": 0}
    assert on_both(cluster, "SELECT COUNT(*) FROM auth_group WHERE name LIKE %s", [f"%-{tag}"]) == {
        "a": [(0,)],
        "b": [(0,)],
    }
    record("commands_on_b", {"refused": 4, "written_at_the_home": 3, **sound})


DEACTIVATE = """
from django.contrib.auth import get_user_model
from credential.sessions import sessions_revoke_for_user
user = get_user_model().objects.get(username={name!r})
user.is_active = False
user.save(update_fields=["is_active"])
print(sessions_revoke_for_user(user, reason="user_deactivated"))
"""
MAKE_USER = """
from django.contrib.auth import get_user_model
from credential.models import Grant
user = get_user_model().objects.create_user({name!r}, password={password!r})
Grant.objects.create(service="task", user=user, can_read=True, can_write=True)
print(user.pk)
"""


def test_a_user_deleted_while_logging_in_on_the_other_side_is_deactivated_not_deleted(
    cluster, pt_dsn, partition
):
    name = f"leaver-{secrets.token_hex(3)}"
    user_id = int(cluster.shell(1, MAKE_USER.format(name=name, password=PASSWORD)).split()[-1])
    cluster.wait_in_sync()
    partition()
    delete = (
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.get(username={name!r}).delete()"
    )
    deleted = manage(cluster, 1, "shell", "-c", delete)
    ended = manage(cluster, 1, "shell", "-c", DEACTIVATE.format(name=name))
    on_b = login(cluster, 2, name)  # B has not heard of the deactivation: the login works
    task = on_b.post("/api/v1/task/tasks/", {"title": f"by {name} on B"})
    cluster.faults.heal()

    assert refused_plainly(deleted, "never deleted", "deactivate"), deleted
    assert ended.returncode == 0, ended.stderr
    assert task.status == 201
    sound = assert_sound(cluster, pt_dsn)
    active = on_both(cluster, "SELECT is_active FROM auth_user WHERE id = %s", [user_id])
    assert active == {"a": [(0,)], "b": [(0,)]}
    _, seconds = wait_until(
        lambda: on_b.get("/api/v1/credential/me").status == 401, timeout=10, interval=0.2
    )
    admin = admin_session(cluster, 1, "root", PASSWORD)
    delete_page = admin.get(f"{cluster.node(1).url}/admin/auth/user/{user_id}/delete/", timeout=10)
    assert delete_page.status_code == 403
    sessions = on_both(
        cluster, "SELECT COUNT(*) FROM credential_session WHERE user_id = %s", [user_id]
    )
    assert sessions["a"] == sessions["b"] and sessions["a"][0][0] >= 1
    record(
        "user_deleted_vs_login",
        {
            "delete_refused": True,
            "session_made_on_b_in_the_partition": True,
            "refused_on_b_after_heal_s": round(seconds, 2),
            **sound,
        },
    )


HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def _add_user_form(session, base: str) -> dict:
    """The add-user page's hidden fields (CSRF token, inline management forms)."""
    page = session.get(f"{base}/admin/auth/user/add/", timeout=10)
    assert page.status_code == 200, page.status_code
    return dict(HIDDEN.findall(page.text))


def _submit_at_once(admins, bases, username: str) -> list[tuple[int, bool]]:
    """The add-user form with `username` posted to both admins at the same moment; each
    answer's status and whether it says the user exists, sorted."""
    hidden = [_add_user_form(s, b) for s, b in zip(admins, bases, strict=True)]
    barrier, statuses = threading.Barrier(2), [None, None]

    def submit(k: int) -> None:
        form = {
            **hidden[k],
            "username": username,
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        }
        barrier.wait()
        answer = admins[k].post(
            f"{bases[k]}/admin/auth/user/add/", data=form, allow_redirects=False, timeout=30
        )
        statuses[k] = (answer.status_code, "already exists" in answer.text)

    threads = [threading.Thread(target=submit, args=(k,)) for k in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def test_one_username_submitted_in_both_admins_at_once_is_a_form_error_never_a_500(cluster, pt_dsn):
    admins = [admin_session(cluster, index, "root", PASSWORD) for index in (1, 2)]
    bases = [cluster.node(index).url for index in (1, 2)]
    tag, rounds = secrets.token_hex(3), 12
    answers = [_submit_at_once(admins, bases, f"twin-{tag}-{n}") for n in range(rounds)]
    sound = assert_sound(cluster, pt_dsn)
    logs = "".join(cluster.node(i).log_path.read_text() for i in (1, 2))
    record(
        "one_username_in_both_admins",
        {
            "rounds": rounds,
            "answers": [str(a) for a in answers],
            "races_lost_at_the_database": logs.count("lost a uniqueness race"),
            **sound,
        },
    )
    assert all(a == [(200, True), (302, False)] for a in answers), answers
    assert "lost a uniqueness race" in logs  # the two INSERTs did meet at the home's key
    created = on_both(
        cluster, "SELECT COUNT(*) FROM auth_user WHERE username LIKE %s", [f"twin-{tag}-%"]
    )
    assert created == {"a": [(rounds,)], "b": [(rounds,)]}

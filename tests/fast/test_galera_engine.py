"""PLATFORM_DB_ENGINE=galera without a cluster: the settings, the member's state as read,
the identity check, the gauges, and the gateway's answer to a certification failure.

The cluster itself — certification between real members, a member killed or cut off —
is the Galera tier's (tests/galera/). Here a service raising MariaDB's error 1213 stands
in for a transaction that lost certification, so the gateway's decision can be checked
on its own: run the request again, never answer 500 or `outcome_unknown`.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import OperationalError

from core import certified
from gateway import certification
from platform_site.config import read_node_identity
from platform_site.databases import mysql_init_command
from replication import galera, galera_metrics
from replication.identity import GaleraIdentity, ServerIdentity, galera_identity_problems
from replication.models import RequestRecord
from services.task import services as task_services
from services.task.models import Task
from tests.support import wire

SYNCED = [
    ("wsrep_ready", "ON"),
    ("wsrep_cluster_status", "Primary"),
    ("wsrep_cluster_size", "3"),
    ("wsrep_local_state", "4"),
    ("wsrep_local_state_comment", "Synced"),
    ("wsrep_local_cert_failures", "7"),
    ("wsrep_flow_control_paused_ns", "2500000000"),
]


def _with(rows, **changes):
    changed = {f"wsrep_{name}": value for name, value in changes.items()}
    return [(name, changed.get(name, value)) for name, value in rows]


def test_a_synced_primary_ready_member_serves():
    state = galera.parse_status(SYNCED)
    assert state.serving and galera.serving_problem(state) is None
    assert (state.cluster_size, state.cert_failures) == (3, 7)


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"cluster_status": "non-Primary"}, "non-Primary"),
        ({"ready": "OFF"}, "not ready"),
        ({"local_state": "2", "local_state_comment": "Donor/Desynced"}, "Donor/Desynced"),
        ({"local_state": "1", "local_state_comment": "Joining"}, "Joining"),
    ],
)
def test_a_member_cut_off_not_ready_or_transferring_state_leaves_rotation(changes, why):
    problem = galera.serving_problem(galera.parse_status(_with(SYNCED, **changes)))
    assert problem and why in problem


def test_the_gauges_say_what_the_member_said_labelled_with_the_node(settings):
    settings.PLATFORM_NODE = "B"
    families = {f.name: f for f in galera_metrics.families(galera.parse_status(SYNCED))}
    serving = families["platform_galera_serving"].samples[0]
    assert (serving.labels, serving.value) == ({"node": "B"}, 1.0)
    paused = families["platform_galera_flow_control_paused_seconds"].samples[0]
    assert paused.value == 2.5
    down = {f.name: f for f in galera_metrics.families(None)}
    assert list(down) == ["platform_galera_up"] and down["platform_galera_up"].samples[0].value == 0


def test_a_galera_connection_keeps_the_clusters_stride_and_waits_for_causality():
    identity = read_node_identity({"PLATFORM_NODE_INDEX": "2", "PLATFORM_NODE_COUNT": "3"})
    platform = mysql_init_command(identity, engine="galera")
    health = mysql_init_command(identity, engine="galera", causal=False)
    assert "auto_increment" not in platform and "wsrep_sync_wait = 1" in platform
    assert "wsrep_sync_wait = 0" in health
    assert "auto_increment_offset = 2" in mysql_init_command(identity)  # the pair's


def _identity(session=(3, 2), server_id=2) -> ServerIdentity:
    return ServerIdentity(3, 2, server_id, *session)


def test_the_identity_check_accepts_galeras_own_auto_increment_control():
    ok = GaleraIdentity(wsrep_on=True, auto_increment_control=True, session_sync_wait=1)
    assert galera_identity_problems(_identity(), ok, server_id=2) == []
    off = GaleraIdentity(wsrep_on=False, auto_increment_control=False, session_sync_wait=0)
    problems = galera_identity_problems(_identity((2, 1), 5), off, server_id=2)
    assert len(problems) == 5, problems  # wsrep off, no control, overridden, no wait, id


def _settings_error(**env) -> str:
    base = {"PLATFORM_ENV_FILE": "", "DEBUG": "true", "PATH": os.environ["PATH"]}
    done = subprocess.run(
        [sys.executable, "-c", "import platform_site.settings"],
        env={**base, **env},
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    return done.stderr


def test_the_engine_setting_refuses_a_peer_on_galera_and_an_unknown_engine():
    assert "PLATFORM_DB_ENGINE must be one of pair, galera" in _settings_error(
        PLATFORM_DB_ENGINE="ring"
    )
    peer = "mysql://platform:x@127.0.0.1:3307/platform"
    assert "PEER_DATABASE_URL is for the pair" in _settings_error(
        PLATFORM_DB_ENGINE="galera", PEER_DATABASE_URL=peer
    )


def test_a_deadlock_is_a_certification_failure_on_galera_only(settings):
    lost = OperationalError(1213, "Deadlock found when trying to get lock")
    settings.PLATFORM_DB_ENGINE = "galera"
    assert certification.is_failure(lost)
    # Aborted between a nested block's last statement and its RELEASE SAVEPOINT.
    assert certification.is_failure(OperationalError(1305, "SAVEPOINT s1_x2 does not exist"))
    assert not certification.is_failure(OperationalError(1062, "Duplicate entry"))
    assert certification.is_not_ready(OperationalError(1047, "WSREP has not yet prepared"))
    settings.PLATFORM_DB_ENGINE = "pair"
    assert not certification.is_failure(lost)


@pytest.mark.django_db
def test_a_claim_writes_nothing_on_the_pair(django_assert_num_queries, settings):
    settings.PLATFORM_DB_ENGINE = "pair"
    with django_assert_num_queries(0):
        certified.claim("reservation.room.1", model=Task)


def _failing(times: int, monkeypatch):
    real, calls = task_services.task_create, []

    def task_create(**kwargs):
        calls.append(1)
        if len(calls) <= times:
            Task.objects.create(title="lost", creator=kwargs["creator"])  # then refused
            raise OperationalError(1213, "Deadlock found when trying to get lock")
        return real(**kwargs)

    monkeypatch.setattr(task_services, "task_create", task_create)
    return calls


def _create(api, title):
    request = wire.seal(
        key=api.session.key,
        session_id=api.session.session_id,
        method="POST",
        path="/api/v1/task/tasks/",
        payload={"title": title},
    )
    return request, wire.send(api.transport, request)


@pytest.mark.django_db
def test_a_request_that_lost_certification_runs_again_and_is_applied_once(
    connect, boss, settings, monkeypatch
):
    api = connect(boss)
    settings.PLATFORM_DB_ENGINE = "galera"
    calls = _failing(2, monkeypatch)
    request, answer = _create(api, "retried")
    assert answer.status == 201 and len(calls) == 3
    assert list(Task.objects.values_list("title", flat=True)) == ["retried"]
    assert RequestRecord.objects.filter(nonce=request.headers["X-Nonce"]).count() == 1
    again = wire.send(api.transport, request)
    assert (again.status, again.body) == (201, answer.body)  # the resend: the same answer


@pytest.mark.django_db
def test_a_request_that_loses_every_attempt_is_a_conflict_with_nothing_applied(
    connect, boss, settings, monkeypatch
):
    api = connect(boss)
    settings.PLATFORM_DB_ENGINE = "galera"
    calls = _failing(certification.ATTEMPTS, monkeypatch)
    request, answer = _create(api, "never")
    opened = wire.open_sealed(answer, request)
    assert (answer.status, opened["code"]) == (409, "conflict")
    assert len(calls) == certification.ATTEMPTS
    assert not Task.objects.exists()
    assert not RequestRecord.objects.filter(nonce=request.headers["X-Nonce"]).exists()


@pytest.mark.django_db
def test_an_attempt_aborted_at_the_grant_check_before_the_view_runs_again(
    connect, boss, settings, monkeypatch
):
    # The same envelope raced on three members: the winner's write set aborts the others'
    # exactly-once claim, and their next statement (the routing grant check, before any
    # view) fails 1213. That is a lost attempt to run again, not a 500.
    from credential import grants

    api = connect(boss)
    settings.PLATFORM_DB_ENGINE = "galera"
    real, calls = grants.grants_for_user, []

    def grants_for_user(user):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError(1213, "Deadlock found when trying to get lock")
        return real(user)

    grants.clear_grant_cache()
    monkeypatch.setattr(grants, "grants_for_user", grants_for_user)
    request, answer = _create(api, "after the abort")
    assert answer.status == 201 and len(calls) == 2
    assert list(Task.objects.values_list("title", flat=True)) == ["after the abort"]
    assert RequestRecord.objects.filter(nonce=request.headers["X-Nonce"]).count() == 1

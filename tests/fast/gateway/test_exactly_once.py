"""Unsafe requests applied at most once: records, resends, doubles found and repaired.

Here on one SQLite database; the fence against the other database and the faults that
make it matter run on the real pair (tests/cluster/test_faults.py).
"""

from __future__ import annotations

import io
import time

import pytest
from django.core.management import CommandError, call_command

from replication import exactly_once
from replication.models import RequestRecord, RequestRepair
from services.task.models import Task
from tests.support import wire

pytestmark = pytest.mark.django_db
TASKS = "/api/v1/task/tasks/"


def create_task(api, title: str, **kwargs) -> tuple[wire.WireRequest, object]:
    request = wire.seal(
        key=api.session.key,
        session_id=api.session.session_id,
        method="POST",
        path=TASKS,
        payload={"title": title},
        **kwargs,
    )
    return request, wire.send(api.transport, request)


def test_an_applied_request_is_recorded_with_its_sealed_answer_and_what_it_made(connect, boss):
    api = connect(boss)
    request, answer = create_task(api, "recorded")
    assert answer.status == 201
    record = RequestRecord.objects.get(nonce=request.headers["X-Nonce"])
    task = Task.objects.get(title="recorded")
    assert (record.status, bytes(record.answer_body)) == (201, answer.body)
    assert record.answer_headers["X-Tag"] == answer.headers["X-Tag"]
    assert ["task.task", task.pk, True] in record.effects
    assert b"recorded" not in bytes(record.answer_body)  # sealed, never plaintext


def test_a_request_old_enough_to_be_a_resend_is_applied_once_on_a_single_node(connect, boss):
    api = connect(boss)
    old = int(time.time() * 1000) - 30_000
    request, first = create_task(api, "late", timestamp=old)
    again = wire.send(api.transport, request)
    assert (first.status, again.status, again.body == first.body) == (201, 201, True)
    assert Task.objects.filter(title="late").count() == 1


def test_a_refused_write_is_recorded_too_and_its_resend_gets_the_same_refusal(connect, reader):
    api = connect(reader)
    request, first = create_task(api, "not allowed")
    again = wire.send(api.transport, request)
    assert (first.status, again.status, again.body == first.body) == (403, 403, True)
    assert not Task.objects.exists()


def doubled(boss, title: str) -> tuple[Task, Task]:
    """Two applications of one request, as two databases would leave them: one task
    and one record each, the records replicated to both sides."""
    first, second = (Task.objects.create(title=title, creator=boss) for _ in range(2))
    for db_index, (task, delay) in enumerate(((first, 0), (second, 1)), start=1):
        RequestRecord.objects.create(
            scope="s" * 32,
            nonce="n" * 16,
            db_index=db_index,
            digest="d" * 64,
            method="POST",
            path=TASKS,
            status=201,
            effects=[["task.task", task.pk, True]],
        )
        time.sleep(0.001 * delay)  # the second applied later
    return first, second


def test_a_request_applied_on_both_databases_is_found(boss):
    doubled(boss, "twice")
    assert exactly_once.doubles_count() == 1
    (found,) = exactly_once.doubles()
    assert (found.kept.db_index, [r.db_index for r in found.undone]) == (1, [2])
    assert exactly_once.repair_plan(found)[0]["action"] == "soft_delete"


def test_a_refusal_on_one_side_is_not_a_double(boss):
    doubled(boss, "once")
    RequestRecord.objects.filter(db_index=2).update(status=409)
    assert exactly_once.doubles_count() == 0


def test_the_repair_is_a_dry_run_unless_applied_and_then_undoes_the_later_copy(boss):
    first, second = doubled(boss, "twice")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("request_doubles", stdout=out)
    assert "would undo" in out.getvalue() and Task.objects.count() == 2
    call_command("request_doubles", "--apply", stdout=io.StringIO())
    assert list(Task.objects.values_list("pk", flat=True)) == [first.pk]
    assert Task.all_objects.get(pk=second.pk).version == second.version + 1  # replicable
    assert RequestRepair.objects.get().undone_db_index == 2
    assert exactly_once.doubles_count() == 0
    call_command("request_doubles", stdout=io.StringIO())  # nothing left: exit 0

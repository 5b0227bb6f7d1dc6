"""task: transitions, ownership, comments, the permission matrix, versions, validation."""

from __future__ import annotations

import pytest

from services.task.models import Comment, Task

pytestmark = pytest.mark.django_db
BASE = "/api/v1/task"


@pytest.fixture
def as_writer(connect, writer):
    return connect(writer)


def create(api, **fields) -> dict:
    response = api.post(f"{BASE}/tasks/", {"title": "Write report", **fields})
    assert response.status == 201, response.data
    return response.data


def test_a_created_task_comes_back_with_id_version_and_times(as_writer, writer, colleague):
    task = create(as_writer, assignee=colleague.pk, due_date="2026-12-01")
    assert task["version"] == 1 and task["status"] == "todo"
    assert task["creator"] == writer.pk and task["assignee"] == colleague.pk
    assert task["created_at"].endswith("Z") and task["updated_at"].endswith("Z")
    assert Task.objects.get(pk=task["id"]).title == "Write report"


def test_the_assignee_moves_a_task_along_the_allowed_transitions(as_writer, connect, colleague):
    task = create(as_writer, assignee=colleague.pk)
    assignee = connect(colleague)
    moved = assignee.post(f"{BASE}/tasks/{task['id']}/transition/", {"to": "doing", "version": 1})
    assert (moved.status, moved.data["status"], moved.data["version"]) == (200, "doing", 2)
    done = assignee.post(f"{BASE}/tasks/{task['id']}/transition/", {"to": "done", "version": 2})
    assert done.data["status"] == "done"


@pytest.mark.parametrize(
    ("start", "to"), [("todo", "done"), ("done", "doing"), ("cancelled", "todo")]
)
def test_a_disallowed_transition_is_refused(as_writer, start, to):
    task = create(as_writer)
    Task.objects.filter(pk=task["id"]).update(status=start)
    response = as_writer.post(f"{BASE}/tasks/{task['id']}/transition/", {"to": to, "version": 1})
    assert (response.status, response.code) == (409, "transition_not_allowed")
    assert Task.objects.get(pk=task["id"]).status == start


def test_someone_neither_creator_nor_assignee_cannot_see_or_move_a_task(
    as_writer, connect, colleague
):
    task = create(as_writer)
    other = connect(colleague)
    assert other.get(f"{BASE}/tasks/{task['id']}/").status == 404
    moved = other.post(f"{BASE}/tasks/{task['id']}/transition/", {"to": "doing", "version": 1})
    assert moved.status == 404
    assert other.get(f"{BASE}/tasks/").data["count"] == 0


def test_an_admin_sees_and_reassigns_any_task(as_writer, connect, boss, colleague):
    task = create(as_writer)
    admin = connect(boss)
    response = admin.patch(f"{BASE}/tasks/{task['id']}/", {"assignee": colleague.pk, "version": 1})
    assert (response.status, response.data["assignee"]) == (200, colleague.pk)


def test_the_assignee_cannot_edit_the_task_itself(as_writer, connect, colleague):
    task = create(as_writer, assignee=colleague.pk)
    response = connect(colleague).patch(f"{BASE}/tasks/{task['id']}/", {"title": "x", "version": 1})
    assert (response.status, response.code) == (403, "not_task_owner")


def test_a_caller_with_no_grant_is_refused_at_the_gateway(connect, outsider):
    response = connect(outsider).get(f"{BASE}/tasks/")
    assert (response.status, response.code, response.encrypted) == (403, "no_grant", True)


def test_a_read_only_caller_cannot_write(connect, reader):
    response = connect(reader).post(f"{BASE}/tasks/", {"title": "nope"})
    assert (response.status, response.code) == (403, "missing_grant")
    assert not Task.objects.exists()


def test_a_stale_version_is_a_409_with_the_current_object(as_writer):
    task = create(as_writer)
    assert as_writer.patch(f"{BASE}/tasks/{task['id']}/", {"title": "v2", "version": 1}).ok
    stale = as_writer.patch(f"{BASE}/tasks/{task['id']}/", {"title": "v3", "version": 1})
    assert (stale.status, stale.code) == (409, "version_conflict")
    assert stale.data["current"]["title"] == "v2" and stale.data["current"]["version"] == 2


def test_an_update_without_a_version_is_a_400(as_writer):
    task = create(as_writer)
    response = as_writer.patch(f"{BASE}/tasks/{task['id']}/", {"title": "v2"})
    assert response.status == 400 and "version" in response.data["fields"]


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"title": ""},
        {"title": "x" * 201},
        {"title": 5, "due_date": "yesterday"},
        {"title": "ok", "assignee": 999999},
        {"title": ["a"]},
    ],
)
def test_invalid_input_is_a_400_with_field_errors(as_writer, payload):
    response = as_writer.post(f"{BASE}/tasks/", payload)
    assert (response.status, response.code) == (400, "invalid")
    assert response.data["fields"]
    assert not Task.objects.exists()


def test_deleting_is_soft_and_needs_the_version(as_writer):
    task = create(as_writer)
    assert as_writer.delete(f"{BASE}/tasks/{task['id']}/").status == 400
    assert as_writer.delete(f"{BASE}/tasks/{task['id']}/", {"version": 1}).status == 204
    assert as_writer.get(f"{BASE}/tasks/{task['id']}/").status == 404
    assert Task.all_objects.get(pk=task["id"]).deleted_at is not None


def test_comments_are_appended_and_listed_in_order(as_writer, connect, colleague):
    task = create(as_writer, assignee=colleague.pk)
    as_writer.post(f"{BASE}/tasks/{task['id']}/comments/", {"body": "first"})
    connect(colleague).post(f"{BASE}/tasks/{task['id']}/comments/", {"body": "second"})
    listed = as_writer.get(f"{BASE}/tasks/{task['id']}/comments/").data
    assert [c["body"] for c in listed["results"]] == ["first", "second"]
    assert Comment.objects.count() == 2


def test_lists_paginate_and_filter(as_writer, colleague):
    for n in range(3):
        create(as_writer, title=f"t{n}", assignee=colleague.pk if n else None)
    page = as_writer.get(f"{BASE}/tasks/", {"page_size": 2})
    assert page.data["count"] == 3 and len(page.data["results"]) == 2 and page.data["next"]
    filtered = as_writer.get(f"{BASE}/tasks/", {"assignee": colleague.pk})
    assert filtered.data["count"] == 2
    assert as_writer.get(f"{BASE}/tasks/", {"status": "bogus"}).status == 400

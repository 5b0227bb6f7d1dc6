"""message: sending, boxes, read marks, delete-for-me, privacy, validation."""

from __future__ import annotations

import pytest

from services.message.models import Delivery, Message

pytestmark = pytest.mark.django_db
BASE = "/api/v1/message"


@pytest.fixture
def as_writer(connect, writer):
    return connect(writer)


def send(api, recipients, subject="Lunch?", body="Noon at the usual place.") -> dict:
    payload = {"recipients": [user.pk for user in recipients], "subject": subject, "body": body}
    response = api.post(f"{BASE}/messages/", payload)
    assert response.status == 201, response.data
    return response.data


def test_a_sent_message_comes_back_as_the_senders_copy(as_writer, writer, colleague, reader):
    sent = send(as_writer, [colleague, reader])
    assert (sent["sender"], sent["recipients"]) == (writer.pk, [colleague.pk, reader.pk])
    assert (sent["sent"], sent["received"], sent["version"]) == (True, False, 1)
    assert sent["read_at"] and sent["created_at"].endswith("Z") and sent["updated_at"]
    assert Message.objects.count() == 1
    assert Delivery.objects.filter(message_id=sent["id"]).count() == 3


def test_the_recipient_finds_it_unread_in_the_inbox_and_the_sender_in_sent(
    as_writer, connect, colleague
):
    sent = send(as_writer, [colleague])
    inbox = connect(colleague).get(f"{BASE}/inbox/").data["results"]
    assert [(m["id"], m["read_at"], m["received"]) for m in inbox] == [(sent["id"], None, True)]
    assert [m["id"] for m in as_writer.get(f"{BASE}/sent/").data["results"]] == [sent["id"]]
    assert as_writer.get(f"{BASE}/inbox/").data["count"] == 0
    assert connect(colleague).get(f"{BASE}/sent/").data["count"] == 0


def test_messages_lists_what_the_caller_sent_and_received_newest_first(
    as_writer, connect, writer, colleague
):
    first = send(as_writer, [colleague], subject="first")
    second = send(connect(colleague), [writer], subject="second")
    listed = as_writer.get(f"{BASE}/messages/").data["results"]
    assert [m["id"] for m in listed] == [second["id"], first["id"]]


def test_the_recipient_marks_it_read_once(as_writer, connect, colleague):
    sent = send(as_writer, [colleague])
    api = connect(colleague)
    read = api.post(f"{BASE}/messages/{sent['id']}/read/", {"version": 1})
    assert (read.status, read.data["version"]) == (200, 2) and read.data["read_at"]
    again = api.post(f"{BASE}/messages/{sent['id']}/read/", {"version": 2})
    assert (again.data["read_at"], again.data["version"]) == (read.data["read_at"], 2)
    assert api.get(f"{BASE}/inbox/", {"unread": "true"}).data["count"] == 0
    assert api.get(f"{BASE}/inbox/").data["count"] == 1


def test_the_sender_cannot_mark_a_message_read(as_writer, colleague):
    sent = send(as_writer, [colleague])
    response = as_writer.post(f"{BASE}/messages/{sent['id']}/read/", {"version": 1})
    assert (response.status, response.code) == (403, "not_recipient")


def test_only_participants_reach_a_message_not_even_an_admin(as_writer, connect, colleague, boss):
    sent = send(as_writer, [colleague])
    admin = connect(boss)
    url = f"{BASE}/messages/{sent['id']}/"
    assert admin.get(url).status == 404
    assert admin.post(f"{url}read/", {"version": 1}).status == 404
    assert admin.delete(url, {"version": 1}).status == 404
    assert admin.get(f"{BASE}/messages/").data["count"] == 0
    assert Delivery.objects.filter(message_id=sent["id"]).count() == 2


def test_deleting_hides_it_for_the_caller_only(as_writer, connect, colleague):
    sent = send(as_writer, [colleague])
    url = f"{BASE}/messages/{sent['id']}/"
    assert as_writer.delete(url).status == 400  # the version is required
    assert as_writer.delete(url, {"version": 1}).status == 204
    assert as_writer.get(url).status == 404
    assert as_writer.get(f"{BASE}/sent/").data["count"] == 0
    theirs = connect(colleague).get(url)
    assert theirs.status == 200 and theirs.data["sender"] == sent["sender"]
    assert Delivery.all_objects.get(message_id=sent["id"], is_sender=True).deleted_at


def test_a_note_to_oneself_lands_in_both_boxes_unread(as_writer, writer):
    sent = send(as_writer, [writer])
    assert (sent["sent"], sent["received"], sent["read_at"]) == (True, True, None)
    assert as_writer.get(f"{BASE}/inbox/", {"unread": "true"}).data["count"] == 1
    assert as_writer.get(f"{BASE}/sent/").data["count"] == 1
    assert Delivery.objects.count() == 1


def test_a_stale_version_is_a_409_with_the_current_copy(as_writer, connect, colleague):
    sent = send(as_writer, [colleague])
    api = connect(colleague)
    assert api.post(f"{BASE}/messages/{sent['id']}/read/", {"version": 1}).ok
    stale = api.delete(f"{BASE}/messages/{sent['id']}/", {"version": 1})
    assert (stale.status, stale.code) == (409, "version_conflict")
    assert stale.data["current"]["version"] == 2 and stale.data["current"]["read_at"]
    assert stale.data["current"]["recipients"] == [colleague.pk]


@pytest.mark.parametrize(
    ("recipients", "fields"),
    [
        ([], {"subject": "s", "body": "b"}),
        ("dup", {"subject": "s", "body": "b"}),
        ("inactive", {"subject": "s", "body": "b"}),
        ([999999], {"subject": "s", "body": "b"}),
        (list(range(1, 52)), {"subject": "s", "body": "b"}),
        ("colleague", {"subject": "s" * 201, "body": "b"}),
        ("colleague", {"subject": "s"}),
        ("colleague", {"subject": "", "body": ""}),
        ("one", {"subject": "s", "body": "b"}),
    ],
)
def test_invalid_messages_are_a_400_and_nothing_is_written(
    as_writer, make_user, colleague, recipients, fields
):
    if recipients == "dup":
        recipients = [colleague.pk, colleague.pk]
    elif recipients == "inactive":
        recipients = [colleague.pk, make_user("gone", active=False).pk]
    elif recipients == "colleague":
        recipients = [colleague.pk]
    elif recipients == "one":
        recipients = colleague.pk  # not a list
    response = as_writer.post(f"{BASE}/messages/", {"recipients": recipients, **fields})
    assert (response.status, response.code) == (400, "invalid") and response.data["fields"]
    assert not Message.objects.exists() and not Delivery.objects.exists()


def test_fifty_recipients_is_the_most(as_writer, make_user):
    people = [make_user(f"staff{n}") for n in range(50)]
    assert len(send(as_writer, people)["recipients"]) == 50


def test_boxes_paginate_and_filter_by_text_and_unread(as_writer, connect, writer, colleague):
    api = connect(colleague)
    for subject in ("Budget review", "Lunch", "Budget approved"):
        send(api, [writer], subject=subject)
    page = as_writer.get(f"{BASE}/inbox/", {"page_size": 2})
    assert page.data["count"] == 3 and len(page.data["results"]) == 2 and page.data["next"]
    found = as_writer.get(f"{BASE}/inbox/", {"q": "budget"}).data["results"]
    assert [m["subject"] for m in found] == ["Budget approved", "Budget review"]
    as_writer.post(f"{BASE}/messages/{found[0]['id']}/read/", {"version": 1})
    assert as_writer.get(f"{BASE}/inbox/", {"unread": "true"}).data["count"] == 2
    assert as_writer.get(f"{BASE}/inbox/", {"unread": "maybe"}).status == 400
    assert as_writer.get(f"{BASE}/messages/", {"q": "x" * 101}).status == 400

"""notice: audiences, publish/expiry windows, authorship, receipts (the shared contract suite
checks grants, versions and pagination)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from services.notice.models import Notice, NoticeAudience, ReadReceipt

pytestmark = pytest.mark.django_db
BASE = "/api/v1/notice"


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def as_writer(connect, writer):
    return connect(writer)


def post(api, **fields) -> dict:
    response = api.post(f"{BASE}/notices/", {"title": "Office closed", "body": "Friday.", **fields})
    assert response.status == 201, response.data
    return response.data


def titles(api, **params) -> list[str]:
    response = api.get(f"{BASE}/notices/", params)
    assert response.status == 200, response.data
    return [n["title"] for n in response.data["results"]]


def test_a_posted_notice_comes_back_with_id_version_times_and_audience(as_writer, writer):
    notice = post(as_writer)
    assert notice["version"] == 1 and notice["author"] == writer.pk
    assert notice["audience"] == "everyone" and notice["read_by_me"] is False
    assert notice["created_at"].endswith("Z") and notice["publish_at"].endswith("Z")
    assert Notice.objects.get(pk=notice["id"]).for_everyone


def test_a_group_notice_reaches_only_members_of_its_groups(
    as_writer, connect, make_user, colleague
):
    member = make_user("member", grants={"notice": ("read",)}, groups=["finance"])
    make_user("other", grants={"notice": ("read",)}, groups=["sales"])
    notice = post(as_writer, title="Budget", audience=["finance"])
    assert notice["audience"] == ["finance"]
    assert titles(connect(member)) == ["Budget"]
    assert titles(connect(colleague)) == []
    assert connect(colleague).get(f"{BASE}/notices/{notice['id']}/").status == 404


def test_groups_may_be_named_by_id(as_writer, connect, make_user):
    from django.contrib.auth.models import Group

    member = make_user("member", grants={"notice": ("read",)}, groups=["it"])
    post(as_writer, audience=[Group.objects.get(name="it").pk])
    assert titles(connect(member)) == ["Office closed"]


def test_unpublished_and_expired_notices_are_hidden_except_from_their_author(
    as_writer, connect, colleague
):
    now = timezone.now()
    post(as_writer, title="later", publish_at=iso(now + timedelta(days=1)))
    post(
        as_writer,
        title="gone",
        publish_at=iso(now - timedelta(days=2)),
        expires_at=iso(now - timedelta(days=1)),
    )
    post(as_writer, title="now")
    assert titles(connect(colleague)) == ["now"]
    assert sorted(titles(as_writer)) == ["gone", "later", "now"]


def test_an_admin_sees_every_notice_and_edits_or_deletes_any(as_writer, connect, boss):
    notice = post(as_writer)
    post(as_writer, title="future", publish_at=iso(timezone.now() + timedelta(days=3)))
    admin = connect(boss)
    assert sorted(titles(admin)) == ["Office closed", "future"]
    edited = admin.patch(f"{BASE}/notices/{notice['id']}/", {"pinned": True, "version": 1})
    assert (edited.status, edited.data["pinned"], edited.data["version"]) == (200, True, 2)
    assert admin.delete(f"{BASE}/notices/{notice['id']}/", {"version": 2}).status == 204


def test_another_writer_cannot_edit_or_delete_a_notice_they_can_see(as_writer, connect, colleague):
    notice = post(as_writer)
    other = connect(colleague)
    edited = other.patch(f"{BASE}/notices/{notice['id']}/", {"title": "x", "version": 1})
    assert (edited.status, edited.code) == (403, "not_notice_author")
    deleted = other.delete(f"{BASE}/notices/{notice['id']}/", {"version": 1})
    assert (deleted.status, deleted.code) == (403, "not_notice_author")
    assert Notice.objects.get(pk=notice["id"]).title == "Office closed"


def test_changing_the_audience_soft_deletes_the_old_links(as_writer, connect, make_user):
    member = make_user("member", grants={"notice": ("read",)}, groups=["finance"])
    make_user("seller", groups=["sales"])
    notice = post(as_writer, audience=["finance"])
    edited = as_writer.patch(
        f"{BASE}/notices/{notice['id']}/", {"audience": ["sales"], "version": 1}
    )
    assert edited.data["audience"] == ["sales"]
    assert titles(connect(member)) == []
    links = NoticeAudience.all_objects.filter(notice_id=notice["id"]).order_by("id")
    assert [(link.group.name, link.deleted_at is None) for link in links] == [
        ("finance", False),
        ("sales", True),
    ]
    back = as_writer.patch(
        f"{BASE}/notices/{notice['id']}/", {"audience": "everyone", "version": 2}
    )
    assert back.data["audience"] == "everyone" and titles(connect(member)) == ["Office closed"]


def test_marking_read_records_one_receipt_and_a_second_mark_returns_it(connect, as_writer, reader):
    notice = post(as_writer)
    api = connect(reader)
    first = api.post(f"{BASE}/notices/{notice['id']}/read/")
    again = api.post(f"{BASE}/notices/{notice['id']}/read/")
    assert (first.status, again.status) == (201, 200)
    assert first.data["id"] == again.data["id"] and first.data["reader"] == reader.pk
    assert ReadReceipt.objects.filter(notice_id=notice["id"]).count() == 1
    assert api.get(f"{BASE}/notices/{notice['id']}/").data["read_by_me"] is True
    assert as_writer.get(f"{BASE}/notices/{notice['id']}/").data["read_by_me"] is False


def test_a_notice_one_cannot_see_cannot_be_marked_read(as_writer, connect, colleague):
    notice = post(as_writer, publish_at=iso(timezone.now() + timedelta(hours=1)))
    response = connect(colleague).post(f"{BASE}/notices/{notice['id']}/read/")
    assert response.status == 404
    assert not ReadReceipt.objects.exists()


def test_lists_put_pinned_first_then_newest_and_filter(as_writer, connect, colleague):
    now = timezone.now()
    post(as_writer, title="old", publish_at=iso(now - timedelta(days=2)))
    post(as_writer, title="pinned", pinned=True, publish_at=iso(now - timedelta(days=5)))
    read = post(as_writer, title="new budget", publish_at=iso(now - timedelta(hours=1)))
    api = connect(colleague)
    assert titles(api) == ["pinned", "new budget", "old"]
    assert titles(api, pinned="true") == ["pinned"]
    assert titles(api, q="BUDGET") == ["new budget"]
    api.post(f"{BASE}/notices/{read['id']}/read/")
    assert titles(api, unread="true") == ["pinned", "old"]
    assert titles(api, unread="false") == ["new budget"]
    page = api.get(f"{BASE}/notices/", {"page_size": 2})
    assert page.data["count"] == 3 and len(page.data["results"]) == 2 and page.data["next"]
    assert api.get(f"{BASE}/notices/", {"pinned": "perhaps"}).status == 400


def test_an_expiry_before_publication_is_refused_on_edit(as_writer):
    notice = post(as_writer)
    past = iso(timezone.now() - timedelta(days=1))
    response = as_writer.patch(
        f"{BASE}/notices/{notice['id']}/", {"expires_at": past, "version": 1}
    )
    assert response.status == 400 and "expires_at" in response.data["fields"]
    assert Notice.objects.get(pk=notice["id"]).version == 1


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"title": "", "body": "x"},
        {"title": "x" * 201, "body": "x"},
        {"title": "t", "body": "b", "audience": []},
        {"title": "t", "body": "b", "audience": "all"},
        {"title": "t", "body": "b", "audience": ["no-such-group"]},
        {"title": "t", "body": "b", "audience": [True]},
        {"title": "t", "body": "b", "publish_at": "2026-05-01T09:00:00"},
        {
            "title": "t",
            "body": "b",
            "publish_at": "2026-05-02T09:00:00Z",
            "expires_at": "2026-05-01T09:00:00Z",
        },
        {"title": ["a"], "body": "b"},
    ],
)
def test_invalid_input_is_a_400_with_field_errors(as_writer, payload):
    response = as_writer.post(f"{BASE}/notices/", payload)
    assert (response.status, response.code) == (400, "invalid")
    assert response.data["fields"]
    assert not Notice.objects.exists() and not NoticeAudience.objects.exists()


def test_deleting_is_soft_and_needs_the_version(as_writer):
    notice = post(as_writer)
    assert as_writer.delete(f"{BASE}/notices/{notice['id']}/").status == 400
    assert as_writer.delete(f"{BASE}/notices/{notice['id']}/", {"version": 1}).status == 204
    assert as_writer.get(f"{BASE}/notices/{notice['id']}/").status == 404
    assert Notice.all_objects.get(pk=notice["id"]).deleted_at is not None

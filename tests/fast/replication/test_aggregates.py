"""Aggregates: the parents' members lists kept by the services, and the links' target when
a parent wins (rule 9). The settling itself runs on the real pair (cluster tier)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group

from core.aggregates import link_key, members
from replication.aggregates import Side, disagreement, shapes
from replication.links import target_links
from services.document import services as documents
from services.notice import services as notices
from services.schedule import services as schedule

T0 = datetime(2026, 12, 1, 12, 0, 0)


def test_a_members_list_is_sorted_distinct_keys():
    assert members("group", [5, 3, 5]) == ["group:3", "group:5"]
    assert link_key({"user_id": None, "group_id": 7}, ("user", "group")) == "group:7"
    assert link_key({"user_id": 4, "group_id": None}, ("user", "group")) == "user:4"


@pytest.mark.django_db
def test_every_write_of_the_links_writes_the_parents_members(make_user):
    author, bob, carol = (make_user(n) for n in ("author", "bob", "carol"))
    g1, g2 = (Group.objects.create(name=n) for n in ("g1", "g2"))
    notice = notices.notice_create(author=author, title="t", body="b", groups=[g1])
    assert notice.members == [f"group:{g1.pk}"]
    notice = notices.notice_update(notice=notice, version=1, changes={}, groups=[g2, g1])
    assert sorted(notice.members) == sorted([f"group:{g1.pk}", f"group:{g2.pk}"])
    assert notices.notice_update(notice=notice, version=2, changes={}, groups=None).members == []
    start = T0.replace(tzinfo=UTC)
    event = schedule.event_create(
        owner=author, title="e", start=start, end=start + timedelta(hours=1), attendees=[bob]
    )
    event = schedule.event_update(event=event, version=1, changes={}, attendees=[carol])
    assert event.members == [f"user:{carol.pk}"]
    file = documents.file_create(owner=author, name="f.txt")
    share = documents.share_add(file=file, created_by=author, group=g1)
    documents.share_add(file=file, created_by=author, user=bob)
    file.refresh_from_db()
    assert (file.members, file.version) == (sorted([f"group:{g1.pk}", f"user:{bob.pk}"]), 3)
    documents.share_remove(share=share, version=1)
    file.refresh_from_db()
    assert (file.members, file.version) == ([f"user:{bob.pk}"], 4)


def _link(pk: int, group: int, *, deleted=None, version: int = 1, origin: int = 1) -> dict:
    return {
        "id": pk,
        "notice_id": 9,
        "group_id": group,
        "deleted_at": deleted,
        "updated_at": T0,
        "origin_node": origin,
        "version": version,
    }


def _notice(members: list[int], *, at, origin: int) -> dict:
    return {
        "id": 9,
        "members": [f"group:{g}" for g in members],
        "updated_at": at,
        "origin_node": origin,
    }


@pytest.fixture
def notice_shape():
    return shapes()["notice_notice"]


def test_the_winning_parent_decides_which_links_live(notice_shape):
    """After a partition both databases hold both sides' links; B's parent is newer and
    says [g3]: only one g3 link lives, A's g2 and g3 and the old g1 are retired."""
    later = T0 + timedelta(seconds=2)
    both_links = {
        1: _link(1, 1, deleted=T0),  # g1, retired on both sides (at different moments)
        3: _link(3, 2),  # A's g2
        5: _link(5, 3),  # A's g3
        4: _link(4, 3, origin=2),  # B's g3
    }
    sides = {
        "default": Side(_notice([3], at=later, origin=2), dict(both_links)),
        "peer": Side(_notice([2, 3], at=T0, origin=1), dict(both_links)),
    }
    target = target_links(notice_shape, sides, winner="default")
    live = {pk for pk, row in target.items() if row["deleted_at"] is None}
    assert live == {4}  # the live g3 link with the lowest id
    assert target[3]["deleted_at"] == target[5]["deleted_at"] == later
    assert (target[3]["version"], target[3]["origin_node"], target[1]) == (2, 2, both_links[1])
    assert disagreement(notice_shape, Side(sides["default"].parent, target)) is None
    assert disagreement(notice_shape, sides["default"]) is not None


def test_a_member_whose_links_were_all_retired_is_revived(notice_shape):
    sides = {
        "default": Side(_notice([1], at=T0, origin=1), {1: _link(1, 1, deleted=T0, version=3)}),
        "peer": Side(
            _notice([], at=T0 - timedelta(seconds=1), origin=2), {1: _link(1, 1, version=2)}
        ),
    }
    target = target_links(notice_shape, sides, winner="default")
    assert (target[1]["deleted_at"], target[1]["version"]) == (None, 4)


def test_a_member_with_no_link_row_anywhere_cannot_be_settled(notice_shape):
    sides = {"default": Side(_notice([7], at=T0, origin=1), {}), "peer": Side(None, {})}
    assert "have no link row" in target_links(notice_shape, sides, winner="default")

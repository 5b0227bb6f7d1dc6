"""Home-node invariants under truly concurrent requests, on a real MariaDB.

Each race sends two requests at the same moment from two threads, each with its own
database connection and its own logged-in client going through the whole gateway. The
row locks in the services (select_for_update) must let exactly one of them win; without
them both pass their check and both write, which these tests catch.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from services.approval import services as approval
from services.approval.models import Action, Step
from services.asset import services as asset
from services.asset.models import Asset, Checkout
from services.reservation import services as reservation
from services.reservation.models import Booking

# Real transactions (each thread commits on its own connection); the serialized rollback
# puts back what migrations seeded (the routing rows) after another test's flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ROUNDS = 10


def race(*calls) -> list:
    """Run `calls` together, each on its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=20)
            results[index] = call()
        except BaseException as exc:  # handed to the test's thread below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def outcomes(responses) -> list:
    return sorted((r.status, r.code) for r in responses)


def test_two_overlapping_bookings_of_one_room_never_both_succeed(connect, writer, colleague):
    room = reservation.room_create(name="Han River", capacity=12)
    first, second = connect(writer), connect(colleague)
    day = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    for n in range(ROUNDS):
        start = day + timedelta(hours=2 * n)
        results = race(
            lambda start=start: _book(first, room, start, start + timedelta(minutes=60)),
            lambda start=start: _book(
                second, room, start + timedelta(minutes=30), start + timedelta(minutes=70)
            ),
        )
        assert outcomes(results) == [(201, None), (409, "overlap")], f"round {n}"
        live = Booking.objects.filter(room=room, cancelled_at__isnull=True)
        assert live.filter(start__lt=start + timedelta(minutes=70), end__gt=start).count() == 1
    assert Booking.objects.count() == ROUNDS


def test_one_asset_checked_out_twice_at_once_goes_to_one_person(connect, writer, colleague):
    first, second = connect(writer), connect(colleague)
    for n in range(ROUNDS):
        laptop = asset.asset_register(tag=f"LAP-{n:04}", name="ThinkPad X1", category="laptop")
        path = f"/api/v1/asset/assets/{laptop.pk}/checkout/"
        results = race(
            lambda path=path: first.post(path, {"user": writer.pk}),
            lambda path=path: second.post(path, {"user": colleague.pk}),
        )
        assert outcomes(results) == [(200, None), (409, "already_checked_out")], f"round {n}"
        [winner] = [r for r in results if r.status == 200]
        [checkout] = Checkout.objects.filter(asset=laptop, returned_at__isnull=True)
        assert Asset.objects.get(pk=laptop.pk).holder_id == checkout.holder_id
        assert checkout.holder_id == winner.data["holder"]


def test_one_step_approved_twice_at_once_gets_one_outcome(connect, writer, colleague):
    first, second = connect(colleague), connect(colleague)
    for n in range(ROUNDS):
        document = approval.document_submit(
            drafter=writer, title=f"Request {n}", approvers=[colleague]
        )
        path = f"/api/v1/approval/documents/{document.pk}/approve/"
        results = race(
            lambda path=path: first.post(path, {"version": 1}),
            lambda path=path: second.post(path, {"version": 1}),
        )
        assert outcomes(results) == [(200, None), (409, "not_pending")], f"round {n}"
        _assert_one_decision(document)


def test_an_approval_and_a_rejection_at_once_leave_one_outcome(connect, writer, colleague):
    approver, rejecter = connect(colleague), connect(colleague)
    for n in range(ROUNDS):
        document = approval.document_submit(
            drafter=writer, title=f"Request {n}", approvers=[colleague]
        )
        base = f"/api/v1/approval/documents/{document.pk}"
        results = race(
            lambda base=base: approver.post(f"{base}/approve/", {"version": 1}),
            lambda base=base: rejecter.post(f"{base}/reject/", {"version": 1}),
        )
        assert outcomes(results) == [(200, None), (409, "not_pending")], f"round {n}"
        [winner] = [r for r in results if r.status == 200]
        assert _assert_one_decision(document) == winner.data["state"]


def test_one_new_tag_registered_twice_at_once_is_registered_once(connect, boss, make_user):
    other = make_user("second-admin", grants={"asset": ("read", "write", "admin")})
    first, second = connect(boss), connect(other)
    for n in range(ROUNDS):
        payload = {"tag": f"MON-{n:04}", "name": "UltraSharp 27", "category": "monitor"}
        results = race(
            lambda payload=payload: first.post("/api/v1/asset/assets/", payload),
            lambda payload=payload: second.post("/api/v1/asset/assets/", payload),
        )
        assert outcomes(results) == [(201, None), (409, "tag_in_use")], f"round {n}"
        assert Asset.objects.filter(tag=payload["tag"]).count() == 1


def _book(api, room, start, end):
    payload = {"room": room.pk, "start": start.isoformat(), "end": end.isoformat()}
    return api.post("/api/v1/reservation/bookings/", payload)


def _assert_one_decision(document) -> str:
    """The step has one outcome and the history one decision; returns the document state."""
    [step] = Step.objects.filter(document=document)
    decisions = Action.objects.filter(document=document).exclude(action="submitted")
    assert [d.action for d in decisions] == [step.outcome]
    document.refresh_from_db()
    assert document.state == step.outcome and document.version == 2
    return document.state

"""approval: the approver line, one outcome per step, withdraw, visibility, permissions, input.

The promises every service keeps (grants, versions, pagination) are in test_contract.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.approval.models import Action, Document, DocumentState, Step

pytestmark = pytest.mark.django_db
BASE = "/api/v1/approval"


@pytest.fixture
def second(make_user):
    return make_user("second", grants={"approval": ("read", "write")})


@pytest.fixture
def as_writer(connect, writer):
    return connect(writer)


def submit(api, approvers, **fields) -> dict:
    payload = {"title": "Travel request", "body": "Berlin, 2 days", "approvers": approvers}
    response = api.post(f"{BASE}/documents/", {**payload, **fields})
    assert response.status == 201, response.data
    return response.data


def act(api, document, verb, version=None, **fields):
    version = document["version"] if version is None else version
    return api.post(f"{BASE}/documents/{document['id']}/{verb}/", {"version": version, **fields})


def test_a_submitted_document_is_pending_on_its_first_approver(
    as_writer, writer, colleague, second
):
    document = submit(as_writer, [colleague.pk, second.pk])
    assert (document["state"], document["drafter"], document["version"]) == (
        "pending",
        writer.pk,
        1,
    )
    assert [(s["order"], s["approver"], s["outcome"]) for s in document["steps"]] == [
        (1, colleague.pk, ""),
        (2, second.pk, ""),
    ]
    assert document["current_approver"] == colleague.pk
    assert [(a["actor"], a["action"]) for a in document["history"]] == [(writer.pk, "submitted")]


def test_approvers_act_in_turn_and_the_last_approval_approves(
    as_writer, connect, colleague, second
):
    document = submit(as_writer, [colleague.pk, second.pk])
    first = act(connect(colleague), document, "approve", comment="fine")
    assert (first.status, first.data["state"], first.data["current_approver"]) == (
        200,
        "pending",
        second.pk,
    )
    last = act(connect(second), first.data, "approve")
    assert (last.data["state"], last.data["current_approver"], last.data["version"]) == (
        "approved",
        None,
        3,
    )
    assert [a["action"] for a in last.data["history"]] == ["submitted", "approved", "approved"]
    assert last.data["steps"][0]["comment"] == "fine" and last.data["steps"][1]["decided_at"]


def test_a_later_approver_cannot_act_before_their_turn(as_writer, connect, colleague, second):
    document = submit(as_writer, [colleague.pk, second.pk])
    response = act(connect(second), document, "approve")
    assert (response.status, response.code) == (403, "not_current_approver")
    assert not Step.objects.exclude(outcome="").exists()


def test_a_step_gets_one_outcome_never_two(as_writer, connect, colleague, second):
    document = submit(as_writer, [colleague.pk, second.pk])
    api = connect(colleague)
    approved = act(api, document, "approve")
    assert approved.status == 200
    again = act(api, approved.data, "reject")
    assert (again.status, again.code) == (403, "not_current_approver")
    assert list(Step.objects.order_by("order").values_list("outcome", flat=True)) == [
        "approved",
        "",
    ]


def test_a_rejection_ends_the_line(as_writer, connect, colleague, second):
    document = submit(as_writer, [colleague.pk, second.pk])
    rejected = act(connect(colleague), document, "reject", comment="Over budget")
    assert (rejected.status, rejected.data["state"]) == (200, "rejected")
    assert rejected.data["history"][-1]["comment"] == "Over budget"
    late = act(connect(second), rejected.data, "approve")
    assert (late.status, late.code) == (409, "not_pending")


def test_the_drafter_withdraws_while_pending_only(as_writer, connect, colleague):
    document = submit(as_writer, [colleague.pk])
    refused = act(connect(colleague), document, "withdraw")
    assert (refused.status, refused.code) == (403, "not_drafter")
    withdrawn = act(as_writer, document, "withdraw")
    assert (withdrawn.status, withdrawn.data["state"]) == (200, "withdrawn")
    again = act(as_writer, withdrawn.data, "withdraw")
    assert (again.status, again.code) == (409, "not_pending")
    approve = act(connect(colleague), withdrawn.data, "approve")
    assert (approve.status, approve.code) == (409, "not_pending")


def test_a_stale_version_is_a_409_with_the_current_object(as_writer, connect, colleague, second):
    document = submit(as_writer, [colleague.pk, second.pk])
    act(connect(colleague), document, "approve")
    stale = act(connect(second), document, "approve", version=1)
    assert (stale.status, stale.code) == (409, "version_conflict")
    assert stale.data["current"]["version"] == 2
    assert stale.data["current"]["current_approver"] == second.pk
    assert Document.objects.get().state == DocumentState.PENDING


def test_drafters_see_their_own_and_approvers_those_they_are_on(
    as_writer, connect, colleague, second, reader, boss
):
    document = submit(as_writer, [colleague.pk])
    assert connect(colleague).get(f"{BASE}/documents/{document['id']}/").status == 200
    assert connect(second).get(f"{BASE}/documents/{document['id']}/").status == 404
    assert connect(second).get(f"{BASE}/documents/").data["count"] == 0
    outsider_act = act(connect(second), document, "approve")
    assert outsider_act.status == 404
    assert connect(boss).get(f"{BASE}/documents/{document['id']}/").status == 200


def test_an_admin_sees_all_but_cannot_act_out_of_turn(as_writer, connect, colleague, boss):
    document = submit(as_writer, [colleague.pk])
    response = act(connect(boss), document, "approve")
    assert (response.status, response.code) == (403, "not_current_approver")
    assert connect(boss).get(f"{BASE}/documents/").data["count"] == 1


def test_a_read_only_approver_cannot_act(as_writer, connect, reader):
    document = submit(as_writer, [reader.pk])
    response = act(connect(reader), document, "approve")
    assert (response.status, response.code) == (403, "missing_grant")
    assert Document.objects.get().state == DocumentState.PENDING


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"title": "", "approvers": ["COLLEAGUE"]},
        {"title": "x" * 201, "approvers": ["COLLEAGUE"]},
        {"title": "ok", "approvers": []},
        {"title": "ok", "approvers": "COLLEAGUE"},
        {"title": "ok", "approvers": [999999]},
        {"title": "ok", "approvers": ["COLLEAGUE", "COLLEAGUE"]},
        {"title": "ok", "approvers": ["WRITER"]},
        {"title": "ok", "approvers": ["INACTIVE"]},
        {"title": "ok", "approvers": list(range(1, 12))},
        {"title": "ok", "approvers": ["COLLEAGUE"], "body": "x" * 20001},
    ],
    ids=[
        "empty",
        "blank-title",
        "long-title",
        "no-approvers",
        "not-a-list",
        "unknown-user",
        "duplicate",
        "drafter-approves",
        "inactive",
        "eleven",
        "long-body",
    ],
)
def test_invalid_input_is_a_400_with_field_errors(as_writer, writer, colleague, make_user, payload):
    ids = {"COLLEAGUE": colleague.pk, "WRITER": writer.pk}
    ids["INACTIVE"] = make_user("left", active=False).pk
    if isinstance(payload.get("approvers"), list):
        payload = {**payload, "approvers": [ids.get(a, a) for a in payload["approvers"]]}
    elif payload.get("approvers") in ids:
        payload = {**payload, "approvers": ids[payload["approvers"]]}
    response = as_writer.post(f"{BASE}/documents/", payload)
    assert (response.status, response.code) == (400, "invalid")
    assert response.data["fields"]
    assert not Document.objects.exists() and not Step.objects.exists()


def test_lists_paginate_and_filter(as_writer, connect, writer, colleague, second):
    first = submit(as_writer, [colleague.pk, second.pk])
    submit(as_writer, [second.pk, colleague.pk])
    submit(connect(colleague), [writer.pk])
    act(connect(colleague), first, "approve")

    def count(api, **params):
        response = api.get(f"{BASE}/documents/", params)
        assert response.status == 200, response.data
        return response.data["count"]

    page = as_writer.get(f"{BASE}/documents/", {"page_size": 2}).data
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert count(as_writer, role="drafter") == 2 and count(as_writer, role="approver") == 1
    assert count(as_writer, awaiting_me="true") == 1
    assert count(connect(second), awaiting_me="true") == 2
    assert count(connect(colleague), awaiting_me="true") == 0
    assert count(connect(colleague), state="pending", role="approver") == 2
    assert as_writer.get(f"{BASE}/documents/", {"state": "lost"}).status == 400


def test_the_history_is_appended_never_rewritten(as_writer, connect, colleague):
    document = submit(as_writer, [colleague.pk])
    act(connect(colleague), document, "reject", comment="no")
    rows = list(Action.objects.order_by("id").values_list("action", "comment"))
    assert rows == [("submitted", ""), ("rejected", "no")]


def test_the_demo_data_seeds_documents_at_every_stage(make_user):
    from services.approval import demo

    names = ("hana.kim", "minjun.lee", "sofia.rossi", "liam.chen", "amara.okafor")
    people = {name: make_user(name) for name in (*names, "noah.schmidt", "admin")}
    demo.seed(people=people, now=datetime.now(UTC))
    states = set(Document.objects.values_list("state", flat=True))
    assert states == {"pending", "approved", "rejected", "withdrawn"}

"""Field diffs of admin changes: what differs, and never a secret."""

from __future__ import annotations

import pytest

from credential.changes import changes_text, diff, render_changes, user_snapshot


def test_only_changed_fields_appear_with_before_and_after():
    assert diff({"a": 1, "b": "x"}, {"a": 1, "b": "y"}) == {"b": ["x", "y"]}


def test_a_new_object_has_every_field_from_nothing():
    assert diff(None, {"a": 1, "b": []}) == {"a": [None, 1], "b": [None, []]}


def test_a_removed_object_has_every_field_to_nothing():
    assert diff({"a": 1}, None) == {"a": [1, None]}


def test_fields_present_on_one_side_only_are_compared_too():
    assert diff({"a": 1}, {"a": 1, "c": True}) == {"c": [None, True]}


def test_a_secret_field_is_recorded_as_set_or_changed_never_by_value():
    assert diff({"password": "h1"}, {"password": "h2"}) == {"password": ["(hidden)", "changed"]}
    assert diff({"password": ""}, {"password": "h2"}) == {"password": [None, "set"]}
    assert diff({"password": "h1"}, {"password": "h1"}) == {}


def test_the_diff_reads_field_before_then_after():
    changes = {"maintenance": [False, True], "groups": [[], ["sales", "staff"]], "m": ["", "x"]}
    assert changes_text(changes) == "maintenance: no → yes; groups: — → sales, staff; m: — → x"
    html = render_changes({"name": ["<b>", "ok"]})
    assert "<strong>name</strong>: <del>&lt;b&gt;</del> → <ins>ok</ins>" in html


@pytest.mark.django_db
def test_a_users_snapshot_never_holds_the_password_hash(make_user):
    user = make_user("ann")
    snapshot = user_snapshot(user)
    assert user.password not in str(snapshot)
    assert set(snapshot) >= {"username", "is_active", "is_staff", "groups", "password"}

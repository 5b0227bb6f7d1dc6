"""The write guard's reading of SQL, its tables, and the rule-8 check (rules 7 and 8).

The guard itself acts on the pair's MariaDB connections; the cluster tier runs it for
real (tests/cluster/test_safety_write_paths.py). Here: the pure parts and the checks.
"""

from __future__ import annotations

import pytest
from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.auth import get_user_model

from core import registry
from core.homewrites import HardDeleteRefused, HomeMoving, NotTheHome, WriteRefused
from replication import guard
from replication.checks import check_kept_rows_are_not_deletable
from replication.middleware import _home_of_page


@pytest.mark.parametrize(
    ("sql", "target"),
    [
        ("INSERT INTO `auth_user` (`username`) VALUES (%s)", ("insert", "auth_user")),
        ("  update `reservation_booking` SET `start` = %s", ("update", "reservation_booking")),
        ("DELETE FROM `auth_group` WHERE `id` IN (%s)", ("delete", "auth_group")),
        ("delete low_priority quick from platform.auth_user", ("delete", "auth_user")),
        ("TRUNCATE TABLE `auth_user`", ("truncate", "auth_user")),
        ("REPLACE INTO `credential_grant` VALUES (1)", ("replace", "credential_grant")),
        (
            "insert ignore into `platform`.`gateway_serviceroute` values (1)",
            ("insert", "gateway_serviceroute"),
        ),
        ("SELECT * FROM `auth_user` WHERE id = 1 FOR UPDATE", None),
        ("SAVEPOINT `s1`", None),
        ("SET SESSION sql_log_bin = 0", None),
        ("updatex", None),
    ],
)
def test_it_names_the_table_a_statement_writes(sql, target):
    assert guard.write_target(sql) == target


def test_it_knows_which_tables_are_home_node_and_which_are_never_deleted():
    tables = guard.tables()
    assert tables.home["auth_user"] == tables.home["credential_grant"] == "credential"
    assert tables.home["reservation_booking"] == "reservation"
    assert tables.home["replication_servicehome"] == "credential"
    assert "task_task" not in tables.home and "credential_session" not in tables.home
    assert tables.kept == {"auth_user", "auth_group"}


def test_it_guards_only_the_pairs_connections_of_a_replicated_node(monkeypatch):
    from django.conf import settings

    assert not guard.guarded("default", "mysql")  # no peer configured here
    monkeypatch.setitem(settings.DATABASES, "peer", settings.DATABASES["default"])
    assert guard.guarded("default", "mysql") and guard.guarded("peer", "mysql")
    assert not guard.guarded("health", "mysql") and not guard.guarded("default", "sqlite")


def test_its_refusals_are_command_errors_and_database_errors():
    from django.core.management.base import CommandError
    from django.db import DatabaseError

    for refusal in (
        NotTheHome("x", code="credential", home=1),
        HomeMoving("x", code="reservation"),
        HardDeleteRefused("x"),
    ):
        assert isinstance(refusal, WriteRefused | CommandError | DatabaseError)
        assert isinstance(refusal, CommandError) and isinstance(refusal, DatabaseError)


def test_the_services_declare_their_aggregates_and_kept_models():
    parents = {a.parent: (a.links, a.member_fields) for a in registry.aggregates()}
    assert parents == {
        "notice.notice": ("notice.noticeaudience", ("group",)),
        "schedule.event": ("schedule.eventattendee", ("user",)),
        "document.file": ("document.share", ("user", "group")),
    }
    assert registry.kept_models() == {"auth.user", "auth.group"}
    assert {check.__name__ for check in registry.invariant_checks()} == {
        "one_live_profile",
        "no_deleted_department_with_members",
        "department_tree_acyclic",
    }


def test_no_admin_of_the_project_offers_to_delete_users_or_groups():
    assert check_kept_rows_are_not_deletable() == []


def test_an_admin_offering_to_delete_users_fails_the_check():
    site = AdminSite(name="careless")
    site.register(get_user_model(), ModelAdmin)
    try:
        errors = check_kept_rows_are_not_deletable()
    finally:
        site.unregister(get_user_model())
    assert [(e.id, "auth.user" in e.msg) for e in errors] == [("replication.E004", True)]


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/admin/auth/user/add/", "credential"),
        ("/admin/auth/group/3/change/", "credential"),
        ("/admin/reservation/room/add/", "reservation"),
        ("/admin/task/task/1/change/", None),
        ("/admin/", None),
        ("/admin/nowhere/nothing/", None),
    ],
)
def test_admin_writes_read_from_the_home_of_their_page_only(path, code):
    assert _home_of_page(path) == code

"""On real MariaDB: the node's id stride, and the check that guards it."""

from __future__ import annotations

import copy

import pytest
from django.contrib.auth.models import Group
from django.core import checks
from django.db import connection, connections
from django.test import override_settings

from platform_site.config import NodeIdentity
from platform_site.databases import mysql_init_command
from replication.checks import check_node_identity

pytestmark = pytest.mark.django_db(transaction=True)


def connection_as_node(index: int, count: int = 2):
    """A second, separate connection that identifies as another node."""
    settings_dict = copy.deepcopy(connection.settings_dict)
    settings_dict["OPTIONS"]["init_command"] = mysql_init_command(NodeIdentity("X", index, count))
    return connections["default"].__class__(settings_dict, alias=f"node{index}")


def insert_groups(conn, prefix: str, count: int) -> list[int]:
    ids = []
    with conn.cursor() as cursor:
        for n in range(count):
            cursor.execute("INSERT INTO auth_group (name) VALUES (%s)", [f"{prefix}-{n}"])
            ids.append(cursor.lastrowid)
    return ids


def test_rows_written_by_node_1_get_odd_ids_and_by_node_2_even_ids():
    odd = [Group.objects.create(name=f"a-{n}").pk for n in range(5)]
    other = connection_as_node(2)
    try:
        even = insert_groups(other, "b", 5)
    finally:
        other.close()
    more_odd = [Group.objects.create(name=f"c-{n}").pk for n in range(3)]
    assert all(pk % 2 == 1 for pk in odd + more_odd), odd + more_odd
    assert all(pk % 2 == 0 for pk in even), even
    assert len(set(odd + even + more_odd)) == 13


def test_the_identity_check_passes_when_server_and_node_agree():
    assert check_node_identity(databases=["default"]) == []


def test_the_identity_check_fails_when_the_server_offset_disagrees(mariadb_server):
    mariadb_server.execute("SET GLOBAL auto_increment_offset = 2", log_bin=False)
    try:
        errors = check_node_identity(databases=["default"])
    finally:
        mariadb_server.execute("SET GLOBAL auto_increment_offset = 1", log_bin=False)
    assert [e.id for e in errors] == ["replication.E002"]
    assert "auto_increment_offset is 2" in errors[0].msg
    assert errors[0].level == checks.ERROR


def test_the_identity_check_fails_when_the_server_id_disagrees():
    with override_settings(PLATFORM_DB_SERVER_ID=7):
        errors = check_node_identity(databases=["default"])
    assert len(errors) == 1
    assert "server_id is 1" in errors[0].msg


def test_the_identity_check_fails_when_the_node_count_disagrees():
    with override_settings(PLATFORM_NODE_COUNT=3):
        errors = check_node_identity(databases=["default"])
    messages = " ".join(e.msg for e in errors)
    assert "auto_increment_increment is 2" in messages
    assert "init_command" in messages  # the session stride (4) is not what a 3-node setup needs


def test_the_connection_runs_in_strict_mode_with_utf8mb4():
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@session.sql_mode, @@session.character_set_connection")
        sql_mode, charset = cursor.fetchone()
    assert "STRICT_TRANS_TABLES" in sql_mode
    assert charset == "utf8mb4"

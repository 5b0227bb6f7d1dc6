"""The harness's MariaDB runs the shipped template (deploy/mariadb/node.cnf.template): the
limits it renders hold, and max_allowed_packet carries the largest request body as one
value in one statement through the driver the nodes use, escaped at its worst."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from deploy.mariadb_settings import MIB, max_allowed_packet

pytestmark = pytest.mark.django_db(transaction=True)


def server_variable(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@global." + name)
        return str(cursor.fetchone()[0])


def test_the_server_runs_the_rendered_limits():
    wanted = max_allowed_packet(settings.PLATFORM_MAX_BODY_BYTES)
    assert int(server_variable("max_allowed_packet")) == wanted
    assert server_variable("slow_query_log") == "1"
    assert int(server_variable("binlog_expire_logs_seconds")) == 7 * 86400
    assert int(server_variable("max_connections")) > 151  # above MariaDB's default
    assert server_variable("bind_address") == "127.0.0.1"


def test_one_statement_carries_the_largest_body_escaped_at_its_worst():
    # NUL bytes are escaped as two characters: the statement is twice the body.
    worst = b"\x00" * settings.PLATFORM_MAX_BODY_BYTES
    assert 2 * len(worst) > 16 * MIB  # MariaDB's own default would refuse this statement
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE packet_probe (id INT PRIMARY KEY, data LONGBLOB)")
        try:
            cursor.execute("INSERT INTO packet_probe VALUES (1, %s)", [worst])
            cursor.execute("SELECT LENGTH(data), data = %s FROM packet_probe", [worst])
            assert cursor.fetchone() == (len(worst), 1)
        finally:
            cursor.execute("DROP TABLE packet_probe")

"""The active-active data rules as checks: the schema audit and migrate on one node."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.apps import apps

from replication.checks import check_unique_constraints
from replication.schema_audit import audit, classify

PROJECT = Path(__file__).resolve().parents[2]


def test_every_unique_constraint_of_the_project_is_classified_safe():
    rules = audit()
    assert rules, "the audit found no unique constraint at all: it is not looking"
    assert [r for r in rules if r.verdict == "UNSAFE"] == []
    assert check_unique_constraints() == []
    tables = {r.table for r in rules}
    assert {"auth_user", "replication_requestrecord", "django_content_type"} <= tables


def test_a_unique_constraint_on_a_table_both_nodes_write_is_flagged():
    task = apps.get_model("task", "Task")
    assert classify(task, ("title",), "unique field").verdict == "UNSAFE"


def test_a_unique_constraint_on_a_home_node_table_is_covered():
    booking = apps.get_model("reservation", "Booking")
    assert classify(booking, ("room", "start"), "unique_together").verdict == "home-node"


def test_migrate_refuses_to_run_on_a_node_other_than_the_migration_node():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLATFORM_", "DATABASE"))}
    env.update(
        {
            "PLATFORM_ENV_FILE": "",
            "DEBUG": "true",
            "PLATFORM_NODE_INDEX": "2",
            "PLATFORM_NODE_COUNT": "2",
            "DATABASE_URL": "mysql://nobody:x@127.0.0.1:9/platform",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "migrations run only on node 1" in result.stderr

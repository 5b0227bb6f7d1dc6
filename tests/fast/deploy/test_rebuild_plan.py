"""`deploy/cluster rebuild` without --apply: the runbook's steps, and nothing done."""

from __future__ import annotations

import pytest

from deploy.local import cli, rebuild
from deploy.local.backup import backup_gtid


def test_the_dry_run_prints_every_step_and_changes_nothing(capsys):
    cli.rebuild_database(None, "db-b", apply=False)  # no cluster is touched: there is none
    out = capsys.readouterr().out
    assert out.startswith("dry run")
    assert all(f"{name}: {command}" in out for name, command in rebuild.STEPS.items())
    assert "add --apply" in out


def test_only_a_database_can_be_rebuilt():
    with pytest.raises(SystemExit, match="db-a or db-b"):
        cli.rebuild_database(None, "node-b", apply=True)


def test_the_backup_gtid_is_read_from_the_binlog_info(tmp_path):
    (tmp_path / "xtrabackup_binlog_info").write_text("mariadb-bin.000003\t1578\t1-1-639,2-2-78\n")
    assert backup_gtid(tmp_path) == "1-1-639,2-2-78"
    (tmp_path / "xtrabackup_binlog_info").write_text("mariadb-bin.000001\t329\n")
    assert backup_gtid(tmp_path) == ""

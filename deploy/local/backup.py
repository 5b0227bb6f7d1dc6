"""Physical backups of a local MariaDB with Debian's `mariadb-backup`, and restoring them.

The same commands as on a host (docs/DEPLOY.md §5 and 6), with each instance's own
`--defaults-file` first: `--backup` (online: the server keeps taking writes), `--prepare`
(the copy made consistent), `--copy-back` (into an empty datadir). The GTID position of
the backup — what a server restored from it has applied — is read from the
`xtrabackup_binlog_info` file the backup writes.

`restore_check` restores a fresh backup into a scratch instance and compares it table by
table (CHECKSUM TABLE) with the live server it came from: a backup is only as good as a
restore that was tried.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from deploy.local import processes
from deploy.local.mariadb import MariaDBError, MariaDBInstance

# Each node writes its own heartbeat row continuously: it differs by design between a
# backup and the live server a moment later.
MOVING_TABLES = {"replication_heartbeat"}
# Restored and not yet open: no client, no replica, and no event (the backup brings the
# source's heartbeat event, which would log a write before the position is set, and under
# the source's name).
HIDDEN = ("--skip-networking", "--skip-slave-start", "--event-scheduler=OFF")


@dataclass(frozen=True)
class Backup:
    directory: Path
    gtid: str  # the GTID position of the source at the backup ("1-1-42,2-2-17")
    seconds: float
    size_bytes: int


def _run(*args: str) -> None:
    done = subprocess.run(["mariadb-backup", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise MariaDBError(f"mariadb-backup {args[1]} failed: {done.stderr[-1500:]}")


def backup_gtid(directory: Path) -> str:
    """The GTID list recorded with the backup (empty when the source has written none)."""
    for name in ("mariadb_backup_binlog_info", "xtrabackup_binlog_info"):
        path = directory / name
        if path.exists():
            fields = path.read_text().split()
            return fields[2] if len(fields) > 2 else ""
    raise MariaDBError(f"{directory} holds no binlog info: not a mariadb-backup backup")


def take_backup(source: MariaDBInstance, directory: Path) -> Backup:
    """An online backup of `source`, prepared (ready to copy back)."""
    started = time.monotonic()
    shutil.rmtree(directory, ignore_errors=True)
    directory.parent.mkdir(parents=True, exist_ok=True)
    _run(
        f"--defaults-file={source.config_path}",
        "--backup",
        f"--target-dir={directory}",
        f"--socket={source.socket}",
        "--user=root",
    )
    _run("--prepare", f"--target-dir={directory}")
    size = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())
    return Backup(directory, backup_gtid(directory), time.monotonic() - started, size)


def restore(backup: Backup, target: MariaDBInstance) -> None:
    """Replace `target`'s datadir by the backup (the server must be stopped or gone)."""
    if processes.pid_alive(target.pid()):
        raise MariaDBError(f"{target.name} is running: stop it before restoring over it")
    shutil.rmtree(target.datadir, ignore_errors=True)
    target.datadir.mkdir(parents=True)
    target.base_dir.mkdir(parents=True, exist_ok=True)
    target.config_path.write_text(target.render_config())
    _run(f"--defaults-file={target.config_path}", "--copy-back", f"--target-dir={backup.directory}")


def table_checksums(db: MariaDBInstance, schema: str = "platform") -> dict[str, int | None]:
    tables = [
        name
        for (name,) in db.execute(
            "SELECT table_name FROM information_schema.tables "
            f"WHERE table_schema = '{schema}' AND table_type = 'BASE TABLE'"
        )
        if name not in MOVING_TABLES
    ]
    if not tables:
        return {}
    listed = ", ".join(f"`{schema}`.`{name}`" for name in sorted(tables))
    return {name.split(".", 1)[1]: value for name, value in db.execute(f"CHECKSUM TABLE {listed}")}


def restore_check(source: MariaDBInstance, work_dir: Path, *, tied: bool = True) -> dict:
    """Back `source` up, restore it into a scratch server, compare every table.

    Needs a moment without client writes on `source` (its checksums are taken before and
    after the backup and must agree); reports the tables that differ, none if it worked.
    """
    before = table_checksums(source)
    backup = take_backup(source, work_dir / "restore-check-backup")
    after = table_checksums(source)
    if before != after:
        raise MariaDBError("the source took writes during the check: run it when quiet")
    scratch = MariaDBInstance(
        "scratch", work_dir / "restore-check", processes.free_port(), server_id=99
    )
    try:
        restore(backup, scratch)
        scratch.start(tied=tied, extra_args=HIDDEN)
        restored = table_checksums(scratch)
    finally:
        scratch.remove()
        shutil.rmtree(backup.directory, ignore_errors=True)
    differing = sorted(
        name for name in after.keys() | restored.keys() if after.get(name) != restored.get(name)
    )
    return {
        "tables": len(after),
        "differing": differing,
        "backup_seconds": round(backup.seconds, 2),
        "backup_bytes": backup.size_bytes,
        "gtid": backup.gtid,
    }

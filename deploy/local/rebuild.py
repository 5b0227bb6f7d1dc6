"""Rebuild a lost database from a `mariadb-backup` of its peer: `deploy/cluster rebuild db-b`.

The rehearsal of docs/DEPLOY.md §6, step for step, on the local pair (each step's
production command is in `STEPS`); the cluster tier runs it while the surviving side
takes writes through HAProxy (tests/cluster/test_rebuild_drill.py).

1. The source stops its replica of the lost server (nothing to read; and when the new
   server comes up, the source must not resume before its position is corrected).
2. An online backup of the source (`mariadb-backup --backup`, then `--prepare`); its
   GTID position G is what a server restored from it has applied, in every domain.
3. The backup copied back into the lost server's empty datadir.
4. The server started hidden (`--skip-networking --skip-slave-start`): no node can write
   to it before its GTID state is set (a write would get a sequence number the peer
   has already seen, and be skipped there), no stale replica configuration can start.
5. Its position set from the backup: `RESET MASTER; SET GLOBAL gtid_binlog_state = G;
   SET GLOBAL gtid_slave_pos = G`, so its own next transaction continues its domain
   where the peer has it, and it replicates from the source from G on.
6. It replicates from the source (`replication_setup --apply`) and catches up, still
   hidden; then it is restarted normally and takes connections again.
7. The source resumes replicating from it. The new server's binary log begins at G, so
   the source's old position in its own domain (the last of its own transactions it saw
   come back, before G) cannot be served any more: the source takes its own binary log
   position instead (`SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos`: its own domain
   where it is, the rebuilt server's domain where it applied it), waits until the
   rebuilt server has applied that far, and `replication_setup --apply`.
8. Both directions run and agree; the node's own health check re-admits it to the load
   balancer once it is caught up.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from deploy.local import processes
from deploy.local.backup import HIDDEN, restore, take_backup
from deploy.local.mariadb import MariaDBInstance
from deploy.local.pair import ReplicatedPair, caught_up, replica_status
from replication.setup import gtid_positions

STEPS = {
    "stop source replica": "on A: STOP SLAVE;",
    "backup": "on A: mariadb-backup --backup --target-dir=DIR && mariadb-backup --prepare "
    "--target-dir=DIR; copy DIR to B",
    "restore": "on B: systemctl stop mariadb; mv /var/lib/mysql /var/lib/mysql.lost; "
    "mariadb-backup --copy-back --target-dir=DIR; chown -R mysql: /var/lib/mysql",
    "start hidden": "on B: mariadbd --skip-networking --skip-slave-start "
    "--event-scheduler=OFF (as the mysql user)",
    "set position": "on B: RESET MASTER; SET GLOBAL gtid_binlog_state = 'G'; "
    "SET GLOBAL gtid_slave_pos = 'G'  (G: the third field of DIR/xtrabackup_binlog_info)",
    "catch up": "on B: REPLICATION_PASSWORD=… manage.py replication_setup --apply; "
    "wait for replication_status",
    "open": "on B: stop the hidden server; systemctl start mariadb",
    "source replica": "on A: SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos; once B's "
    "@@gtid_slave_pos has A's domain that far: REPLICATION_PASSWORD=… manage.py "
    "replication_setup --apply",
    "both ways": "on A and B: replication_status, replication_checksum, pt-table-checksum",
}


def lose_database(db: MariaDBInstance) -> None:
    """The fault being rehearsed: the server crashes and its datadir is gone."""
    db.kill()
    shutil.rmtree(db.datadir, ignore_errors=True)


def wait_until(predicate: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)


def replicating(db: MariaDBInstance) -> bool:
    status = replica_status(db)
    return (status.get("Slave_IO_Running"), status.get("Slave_SQL_Running")) == ("Yes", "Yes")


def applied(db: MariaDBInstance, position: str) -> bool:
    """Has `db` applied (and so logged) every domain of `position` that far?"""
    done = gtid_positions(db.execute("SELECT @@global.gtid_current_pos")[0][0])
    return all(done.get(d, 0) >= seq for d, seq in gtid_positions(position).items())


def set_position(db: MariaDBInstance, gtid: str) -> None:
    db.execute(
        "STOP SLAVE",
        "RESET SLAVE ALL",
        "RESET MASTER",
        f"SET GLOBAL gtid_binlog_state = '{gtid}'",
        f"SET GLOBAL gtid_slave_pos = '{gtid}'",
        log_bin=False,
    )


def resume_source(
    pair: ReplicatedPair, source: MariaDBInstance, target: MariaDBInstance, *, timeout: float
) -> None:
    """Step 7: the source replicates from the rebuilt server, from its own binlog position."""
    (position,) = source.execute(
        "SET GLOBAL gtid_slave_pos = @@global.gtid_binlog_pos",
        "SELECT @@global.gtid_slave_pos",
        log_bin=False,
    )[0]
    wait_until(lambda: applied(target, position), timeout=timeout, what="the rebuilt side")
    pair.configure_replication(source, target)


def rebuild(
    pair: ReplicatedPair,
    lost: str,
    *,
    work_dir: Path,
    tied: bool = True,
    say: Callable[[str], None] = print,
    timeout: float = 120.0,
) -> dict:
    """Rebuild `lost` ("a" or "b") from a backup of the other; returns timings and G."""
    target = pair.a if lost == "a" else pair.b
    source = pair.b if lost == "a" else pair.a
    timings: dict[str, float] = {}

    @contextmanager
    def step(name: str):
        say(f"{name}: {STEPS[name]}")
        started = time.monotonic()
        yield
        timings[name] = round(time.monotonic() - started, 3)

    with step("stop source replica"):
        source.execute("STOP SLAVE", log_bin=False)
    with step("backup"):
        backup = take_backup(source, work_dir / f"rebuild-{target.name}-backup")
    with step("restore"):
        if processes.pid_alive(target.pid()):
            target.kill()
        restore(backup, target)
    with step("start hidden"):
        target.start(tied=tied, extra_args=HIDDEN)
    with step("set position"):
        set_position(target, backup.gtid)
        pair.prepare(target)
        pair.start_heartbeat(target)  # in place of the source's, which the backup brought
    with step("catch up"):
        pair.configure_replication(target, source)
        wait_until(lambda: caught_up(target, source), timeout=timeout, what="the catch-up")
    with step("open"):
        target.stop()
        target.start(tied=tied)
    with step("source replica"):
        resume_source(pair, source, target, timeout=timeout)
    with step("both ways"):
        wait_until(
            lambda: replicating(source) and replicating(target),
            timeout=timeout,
            what="both replicas running",
        )
        pair.wait_in_sync(timeout)
    shutil.rmtree(backup.directory, ignore_errors=True)
    return {
        "steps_seconds": timings,
        "rebuild_seconds": round(sum(timings.values()), 3),
        "gtid": backup.gtid,
        "backup_bytes": backup.size_bytes,
    }


def pt_table_checksum(pair: ReplicatedPair) -> tuple[int, set[str], str]:
    """percona-toolkit's referee on the pair: exit code, tables with diffs, its output.

    A's checksums replay on B statement by statement; the heartbeat table is left out
    because each node rewrites its own row continuously, so a replayed checksum races
    with the other side's beats by design.
    """
    password = secrets.token_hex(16)
    for db in pair.nodes:
        db.execute(
            f"CREATE USER IF NOT EXISTS 'checksum'@'127.0.0.1' IDENTIFIED BY '{password}'",
            f"ALTER USER 'checksum'@'127.0.0.1' IDENTIFIED BY '{password}'",
            "GRANT ALL ON *.* TO 'checksum'@'127.0.0.1'",
            log_bin=False,
        )
    dsn = f"h=127.0.0.1,u=checksum,p={password}"
    pair.a.execute(  # logged on purpose: B must see the same DSN table
        "CREATE DATABASE IF NOT EXISTS percona",
        "CREATE TABLE IF NOT EXISTS percona.dsns (id INT AUTO_INCREMENT PRIMARY KEY, "
        "parent_id INT, dsn VARCHAR(255) NOT NULL)",
        "DELETE FROM percona.dsns",
        f"INSERT INTO percona.dsns (dsn) VALUES ('{dsn},P={pair.b.port}')",
    )
    pair.wait_in_sync()
    done = subprocess.run(
        [
            "pt-table-checksum",
            f"{dsn},P={pair.a.port}",
            "--databases=platform",
            "--ignore-tables=platform.replication_heartbeat",
            "--no-check-binlog-format",
            f"--recursion-method=dsn={dsn},D=percona,t=dsns",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    rows = [line.split() for line in done.stdout.splitlines()]
    # Columns: TS ERRORS DIFFS ROWS DIFF_ROWS CHUNKS SKIPPED TIME TABLE.
    diffs = {r[-1] for r in rows if len(r) == 9 and r[2].isdigit() and int(r[2])}
    return done.returncode, diffs, done.stdout + done.stderr

"""Moving a pair's data into a new Galera cluster: the rehearsed path (docs/DEPLOY.md §9).

The steps below are what `deploy/cluster migrate-to-galera --apply` does on loopback and
what tests/galera/test_move_from_pair.py rehearses; docs/DEPLOY.md gives the same steps
for hosts. Writes stop for the backup and the first member's start only (about a minute
for a few GB); the other members join by a full state transfer while it serves.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from deploy.local import backup
from deploy.local.galera import GaleraCluster, GaleraMember
from deploy.local.pair import ReplicatedPair

STEPS = {
    "quiesce": "stop writes: HAProxy's servers in maintenance, or the nodes stopped; "
    "`replication_status` on A shows B's last transaction applied",
    "backup": "on A: mariadb-backup --backup --target-dir=DIR && mariadb-backup --prepare "
    "--target-dir=DIR (A is the pair's full history: it applied all of B's writes)",
    "restore": "on Galera host 1 (mariadb stopped, its Galera config in place): empty "
    "/var/lib/mysql, mariadb-backup --copy-back --target-dir=DIR, chown -R mysql:",
    "bootstrap": "on host 1: galera_new_cluster (mariadbd --wsrep-new-cluster), then, once "
    "Synced: STOP SLAVE; RESET SLAVE ALL; DROP EVENT platform.platform_heartbeat;"
    " DROP USER the pair's 'repl'; the platform's account as the nodes' DATABASE_URL says",
    "serve": "nodes with PLATFORM_DB_ENGINE=galera, PLATFORM_NODE_COUNT=3, no "
    "PEER_DATABASE_URL; node 1 first (it writes to host 1), then HAProxy over the three",
    "join": "hosts 2 and 3: systemctl start mariadb with empty datadirs: each joins by SST "
    "(mariadb-backup from a Synced member), one at a time",
    "check": "every table's CHECKSUM TABLE equal on the pair's A and on each member "
    "(but replication_heartbeat, which the pair's events rewrite), replication_status exits 0",
}
PAIR_ONLY_SQL = (
    "STOP SLAVE",
    "RESET SLAVE ALL",
    "DROP EVENT IF EXISTS platform.platform_heartbeat",
    "DROP USER IF EXISTS 'repl'@'127.0.0.1'",
)


def checksums(db, tables: list[str]) -> dict[str, int]:
    names = ", ".join(f"platform.`{name}`" for name in tables)
    return {name.split(".", 1)[1]: value for name, value in db.execute(f"CHECKSUM TABLE {names}")}


def platform_tables(db) -> list[str]:
    rows = db.execute("SHOW TABLES FROM platform")
    return sorted(row[0] for row in rows if row[0] not in backup.MOVING_TABLES)


def differing(pair: ReplicatedPair, galera: GaleraCluster) -> dict[str, list]:
    """Tables whose checksum on a member differs from the pair's A: {table: [A, 1, 2, 3]}."""
    tables = platform_tables(pair.a)
    sums = [checksums(pair.a, tables)] + [checksums(n, tables) for n in galera.nodes]
    return {t: [s.get(t) for s in sums] for t in tables if len({s.get(t) for s in sums}) > 1}


def _restore_first(found: backup.Backup, first: GaleraMember, *, tied: bool) -> None:
    first.stop()
    shutil.rmtree(first.base_dir, ignore_errors=True)
    backup.restore(found, first)  # writes the member's Galera config, copies the data back
    (first.datadir / "grastate.dat").unlink(missing_ok=True)
    first._bootstrapping = True
    try:
        first.start(tied=tied, extra_args=("--skip-slave-start",))
    finally:
        first._bootstrapping = False


def migrate(pair: ReplicatedPair, galera: GaleraCluster, *, work_dir: Path, tied: bool) -> dict:
    """Copy the quiesced pair's data into `galera` (any data it had is replaced)."""
    times: dict[str, float] = {}
    started = last = time.monotonic()

    def step(name: str) -> None:
        nonlocal last
        now = time.monotonic()
        times[f"{name}_s"] = round(now - last, 2)
        last = now

    pair.wait_in_sync()
    step("quiesce")
    found = backup.take_backup(pair.a, work_dir / "backup")
    step("backup")
    galera.stop()
    for member in galera.nodes[1:]:
        shutil.rmtree(member.base_dir, ignore_errors=True)
    _restore_first(found, galera.nodes[0], tied=tied)
    galera.wait_synced(nodes=[galera.nodes[0]], size=1)
    galera.nodes[0].execute(*PAIR_ONLY_SQL)
    galera.prepare(galera.nodes[0])
    step("restore_and_bootstrap")
    writes_stopped_s = round(time.monotonic() - started, 2)
    for member in galera.nodes[1:]:
        member.start(tied=tied, timeout=300)  # no data: a full state transfer (SST)
        galera.wait_synced(nodes=[member], size=galera.nodes.index(member) + 1, timeout=300)
        step(f"sst_{member.name}")
    galera.wait_converged()
    return {
        **times,
        "writes_stopped_s": writes_stopped_s,
        "total_s": round(time.monotonic() - started, 2),
        "backup_bytes": found.size_bytes,
        "differing": differing(pair, galera),
    }

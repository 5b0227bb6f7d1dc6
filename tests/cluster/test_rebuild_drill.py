"""The rebuild drill: database B is lost while writes stream through HAProxy, and is rebuilt
from a `mariadb-backup` of A (deploy/local/rebuild.py, the runbook of docs/DEPLOY.md §6).

Afterwards every write acknowledged during the rebuild is on both databases, both
replicas run without error, replication_checksum and pt-table-checksum agree, node B was
out of rotation until its database had caught up, and a backup of A restored into a
scratch server matches A table for table. Figures go to
var/test-artifacts/rebuild-drill.json.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path

from client import PlatformClient, RequestsTransport
from deploy.local.backup import restore_check
from deploy.local.cluster import wait_for
from deploy.local.pair import caught_up, replica_status
from deploy.local.rebuild import lose_database, pt_table_checksum, rebuild
from tests.cluster.conftest import PASSWORD

ARTIFACT = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "rebuild-drill.json"
# PLATFORM_MAX_LAG_MS's default, plus a heartbeat's interval (200 ms) and one of HAProxy's
# checks (500 ms): how far behind in time B may be while in rotation.
READMIT_MAX_BEHIND_MS = 1000 + 200 + 500
TITLES = "SELECT title, COUNT(*) FROM platform.task_task WHERE title LIKE 'drill-%' GROUP BY title"


class Writes(threading.Thread):
    """Task creations through the balancer, one after another; acknowledged ones kept."""

    def __init__(self, cluster, tag: str):
        super().__init__(daemon=True)
        self.api = PlatformClient(
            cluster.lb.url,
            transport=RequestsTransport(verify=cluster.ca_file),
            retries=0,
            timeout=5,
        )
        assert self.api.login("alice", PASSWORD).status == 200
        self.tag, self.running = tag, True
        self.acked: list[tuple[str, float]] = []
        self.failed: Counter[str] = Counter()

    def run(self) -> None:
        n = 0
        while self.running:
            n += 1
            title = f"drill-{self.tag}-{n}"
            try:
                response = self.api.post("/api/v1/task/tasks/", {"title": title})
            except Exception as exc:  # a cut connection: not acknowledged, not counted on
                self.failed[type(exc).__name__] += 1
                time.sleep(0.05)
                continue
            if response.status == 201:
                self.acked.append((title, time.monotonic()))
            else:
                self.failed[f"{response.status} {response.code}"] += 1
                time.sleep(0.05)


class Rotation(threading.Thread):
    """HAProxy's view of node B, sampled with how far (ms) B's database is behind A: the
    age, by B's clock, of the newest heartbeat of A that B has applied."""

    def __init__(self, cluster):
        super().__init__(daemon=True)
        self.cluster, self.running = cluster, True
        self.samples: list[tuple[float, str, int | None]] = []

    def behind(self) -> float | None:
        try:
            rows = self.cluster.pair.b.execute(
                "SELECT TIMESTAMPDIFF(MICROSECOND, beat_at, UTC_TIMESTAMP(6)) / 1000 "
                "FROM platform.replication_heartbeat WHERE node_index = 1"
            )
        except Exception:  # B's database is gone or not up yet
            return None
        return float(rows[0][0]) if rows else None

    def run(self) -> None:
        while self.running:
            state = self.cluster.lb.server_states().get("node-b", "?")
            self.samples.append((time.monotonic(), state, self.behind() if state == "UP" else None))
            time.sleep(0.1)

    def first(self, state: str, after: float) -> float:
        return next(t for t, s, _ in self.samples if s == state and t >= after)


def count_titles(db) -> dict[str, int]:
    return dict(db.execute(TITLES))


def run_drill(cluster, work_dir: Path) -> dict:
    """Writes through HAProxy; database B lost, rebuilt; B back in rotation; writes stop."""
    steps: list[tuple[float, str]] = []
    rotation, writers = Rotation(cluster), [Writes(cluster, tag) for tag in ("x", "y")]
    for thread in (rotation, *writers):
        thread.start()
    time.sleep(2)
    lost_at = time.monotonic()
    lose_database(cluster.pair.b)
    report = rebuild(
        cluster.pair,
        "b",
        work_dir=work_dir,
        tied=cluster.tied,
        say=lambda line: steps.append((time.monotonic(), line)),
    )
    rebuilt_at = time.monotonic()
    wait_for(
        lambda: cluster.lb.server_states().get("node-b") == "UP",
        timeout=60,
        what="node B back in rotation",
    )
    time.sleep(2)  # B serves writes again, and they replicate to A
    for thread in (*writers, rotation):
        thread.running = False
        thread.join(timeout=30)
    opened_at = next(t for t, line in steps if line.startswith("source replica"))
    return {
        "report": report,
        "writers": writers,
        "rotation": rotation,
        "times": {"lost": lost_at, "rebuilt": rebuilt_at, "opened": opened_at},
    }


def measure(cluster, drill: dict) -> dict:
    """Figures of the drill, from both databases and HAProxy's samples."""
    times, rotation, writers = drill["times"], drill["rotation"], drill["writers"]
    acked = [ack for writer in writers for ack in writer.acked]
    on_a, on_b = count_titles(cluster.pair.a), count_titles(cluster.pair.b)
    out_at = rotation.first("DOWN", times["lost"])
    back_at = rotation.first("UP", out_at)
    readmitted = [b for t, s, b in rotation.samples if t >= back_at and s == "UP"]
    return {
        "rebuild_seconds": drill["report"]["rebuild_seconds"],
        "steps_seconds": drill["report"]["steps_seconds"],
        "backup_bytes": drill["report"]["backup_bytes"],
        "writes_acknowledged": len(acked),
        "writes_acknowledged_during_rebuild": sum(
            times["lost"] <= at <= times["rebuilt"] for _, at in acked
        ),
        "writes_failed": dict(sum((w.failed for w in writers), Counter())),
        "missing": sorted({t for t, _ in acked if not on_a.get(t) or not on_b.get(t)}),
        "doubled": sorted(t for t, n in on_a.items() if n > 1),
        "seconds_to_out_of_rotation": round(out_at - times["lost"], 2),
        "seconds_out_of_rotation": round(back_at - out_at, 2),
        "up_before_open": sum(
            s == "UP" for t, s, _ in rotation.samples if out_at <= t <= times["opened"]
        ),
        "behind_when_in_rotation": readmitted,
    }


def test_database_b_is_rebuilt_from_a_backup_of_a_while_a_takes_writes(cluster, tmp_path):
    drill = run_drill(cluster, tmp_path)
    cluster.wait_in_sync()
    figures = measure(cluster, drill)
    checksum = cluster.manage(1, "replication_checksum", check=False)
    pt_code, pt_diffs, pt_output = pt_table_checksum(cluster.pair)
    restored = restore_check(cluster.pair.a, tmp_path, tied=cluster.tied)
    missing, doubled = figures.pop("missing"), figures.pop("doubled")
    behind = figures.pop("behind_when_in_rotation")
    record = {
        **figures,
        "lost": len(missing),
        "doubled": len(doubled),
        "behind_when_readmitted": behind[0] if behind else None,
        "restore_check": restored,
    }
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(record, indent=2))

    assert record["writes_acknowledged_during_rebuild"] > 0, record
    assert missing == [], (missing[:10], record)
    for db in cluster.pair.nodes:
        status = replica_status(db)
        assert (status["Slave_IO_Running"], status["Slave_SQL_Running"]) == ("Yes", "Yes")
        assert (status["Last_SQL_Errno"], status["Last_IO_Errno"]) == (0, 0)
    assert caught_up(cluster.pair.a, cluster.pair.b) and caught_up(cluster.pair.b, cluster.pair.a)
    assert checksum.returncode == 0, checksum.stdout + checksum.stderr
    assert (pt_code, pt_diffs) == (0, set()), pt_output
    assert record["up_before_open"] == 0, "node B was in rotation before its database was back"
    assert behind and all(b is not None and b <= READMIT_MAX_BEHIND_MS for b in behind), record
    assert restored["tables"] > 0 and restored["differing"] == [], restored
    # The rebuilt database beats under its own name again (the backup brought A's event),
    # and both heartbeats are fresh on both databases.
    definition = cluster.pair.b.execute(
        "SELECT EVENT_DEFINITION FROM information_schema.EVENTS"
        " WHERE EVENT_NAME = 'platform_heartbeat'"
    )
    assert len(definition) == 1 and "VALUES (2, 'B'" in definition[0][0], definition
    for db in cluster.pair.nodes:
        ages = db.execute(
            "SELECT node_index, TIMESTAMPDIFF(MICROSECOND, beat_at, UTC_TIMESTAMP(6)) / 1e6"
            " FROM platform.replication_heartbeat ORDER BY node_index"
        )
        assert [index for index, _ in ages] == [1, 2] and all(abs(a) < 5 for _, a in ages), ages

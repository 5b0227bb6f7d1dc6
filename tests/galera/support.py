"""What the Galera tier's scenarios share: clients, write streams, the verdict on all three
databases, table checksums compared member by member, and the figures file.

The write streams and the sampler of HAProxy's view are the cluster tier's
(tests/cluster/faults_harness.py): unique client-chosen titles, counted per title on
every member afterwards. Figures of every scenario go to var/test-artifacts/galera.json.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from client import PlatformClient, RequestsTransport
from deploy.local.cluster import wait_for
from tests.cluster.faults_harness import BackendStates, Outcome, Writes, rows_per_title

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
FIGURES = ARTIFACTS / "galera.json"
PASSWORD = "Cluster-Passw0rd!"
# The tier's users (run in `manage.py shell` on node A): every grant, admin for root.
USERS = """
from django.contrib.auth import get_user_model
from credential.keys import ensure_primary_key
from credential.models import Grant
ensure_primary_key()
User = get_user_model()
for name, actions in {users!r}.items():
    user = User.objects.create_user(name, password={password!r}, is_superuser=name == "root",
                                    is_staff=name == "root")
    for code in {services!r}:
        Grant.objects.create(service=code, user=user, can_read=True,
                             can_write="write" in actions, can_admin="admin" in actions)
"""

__all__ = ["BackendStates", "Writes", "client", "judge", "race", "record", "wait_all_up"]


def record(name: str, figures: dict, *, merge: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    data[name] = {**data.get(name, {}), **figures} if merge else figures
    FIGURES.write_text(json.dumps(data, indent=2, sort_keys=True))


def client(galera, urls=None, username: str = "alice", **kwargs) -> PlatformClient:
    """A logged-in reference client (through the balancer by default)."""
    options = {"retries": 8, "retry_backoff": 0.05, "timeout": 10, **kwargs}
    transport = RequestsTransport(verify=galera.ca_file)
    api = PlatformClient(urls or galera.lb.url, transport=transport, **options)
    response = api.login(username, PASSWORD)
    assert response.status == 200, response.data
    return api


def race(*calls):
    """Run the calls at the same moment, one thread each; their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def wait_all_up(galera, timeout: float = 90) -> None:
    wait_for(
        lambda: set(galera.lb.server_states().values()) == {"UP"},
        timeout=timeout,
        interval=0.05,
        what="every node UP in HAProxy",
    )


def wait_state(galera, server: str, state: str, timeout: float, since: float) -> float:
    """Seconds from `since` until HAProxy shows `server` in `state`."""
    wait_for(
        lambda: galera.lb.server_states().get(server) == state,
        timeout=timeout,
        interval=0.01,
        what=f"{server} {state}",
    )
    return time.monotonic() - since


def judge(galera, streams: list[Writes], table="task_task", column="title") -> Outcome:
    """Acknowledged titles missing, and titles present more than once, on any member."""
    acked = [t for s in streams for t in s.acked]
    unknown = [t for s in streams for t in s.unknown]
    outcome = Outcome(acked=len(acked), unknown=len(unknown))
    for db in galera.databases:
        counts = rows_per_title(db, table, acked + unknown, column)
        outcome.lost += [t for t in acked if counts.get(t, 0) == 0]
        outcome.doubled += [t for t in acked + unknown if counts.get(t, 0) > 1]
        outcome.unknown_applied = sum(1 for t in unknown if counts.get(t, 0) == 1)
    outcome.lost, outcome.doubled = sorted(set(outcome.lost)), sorted(set(outcome.doubled))
    return outcome


def scalar(db, sql: str, *params):
    """One value from one member, with the query's parameters bound by the driver."""
    conn = db.connect("platform")
    try:
        cur = conn.cursor()
        cur.execute(sql, params)
        return cur.fetchone()[0]
    finally:
        conn.close()


def table_checksums(db) -> dict[str, int]:
    """CHECKSUM TABLE of every table of the platform's database on one member."""
    tables = [row[0] for row in db.execute("SHOW TABLES FROM platform")]
    names = ", ".join(f"platform.`{name}`" for name in tables)
    return {name.split(".", 1)[1]: value for name, value in db.execute(f"CHECKSUM TABLE {names}")}


def checksums_equal(galera, timeout: float = 60) -> dict:
    """Once every member is Synced and has committed the same last write set, the table
    checksums of the three members, compared directly; {table: [differing values]}."""
    galera.wait_in_sync(timeout)
    deadline = time.monotonic() + timeout
    while True:
        committed = {db.status()["last_committed"] for db in galera.databases}
        sums = [table_checksums(db) for db in galera.databases]
        differing = {
            table: [s.get(table) for s in sums]
            for table in sums[0]
            if len({s.get(table) for s in sums}) > 1
        }
        if (len(committed) == 1 and not differing) or time.monotonic() > deadline:
            return differing
        time.sleep(0.2)

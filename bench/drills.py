"""Drills on the local cluster (nodes A and B, the replicated pair, HAProxy).

- Route propagation: `manage.py routes maintenance task` on node A while pollers keep
  both nodes busy (a fresh connection per request, several at once, so every worker
  answers); the time runs from the route row's `updated_at` (stamped just before the
  commit) to the end of the last answer that still served the task service. After that
  every answer from both nodes was 503 `maintenance`.
- Replication lag under write load: scenario (d) against both nodes while heartbeat
  probes (the logic of replication/status.py `probe_lag_ms`, over raw MySQLdb
  connections) write a node's heartbeat row on its database and time, from the commit,
  until the other database returns the new sequence; both directions, alternately.
The failover drill is in bench/failover.py.
"""

from __future__ import annotations

import calendar
import json
import threading
import time

from bench import loadgen
from bench.scenarios import Target, sealed_batch
from deploy.local.cluster import wait_for


def _in_thread(fn) -> tuple[threading.Thread, dict]:
    out: dict = {}
    thread = threading.Thread(target=lambda: out.update(value=fn()), daemon=True)
    thread.start()
    return thread, out


def _reads(targets: list[Target], n: int, tag: str) -> list[list[loadgen.Built]]:
    return [
        sealed_batch(t, "GET", f"/api/v1/task/tasks/{t.task_id}/", n, f"{tag}.{i}", lambda _: b"")
        for i, t in enumerate(targets)
    ]


def _route_stamp_epoch(db, code: str) -> float:
    row = db.execute(
        f"SELECT updated_at FROM platform.gateway_serviceroute WHERE code = '{code}'"  # noqa: S608
    )[0][0]
    return calendar.timegm(row.utctimetuple()) + row.microsecond / 1e6


def propagation(cluster, targets: list[Target], *, reps: int, say=print) -> dict:
    runs = []
    for rep in range(reps):
        batches = _reads(targets, 5000, f"bench.prop{rep}")
        stop = threading.Event()
        thread, out = _in_thread(
            lambda b=batches, s=stop: loadgen.run(
                [t.address for t in targets], b, concurrency=6, duration=60, stop=s
            )
        )
        time.sleep(0.3)
        cluster.manage(1, "routes", "maintenance", "task", "--message", "bench drill")
        committed = _route_stamp_epoch(cluster.pair.a, "task")
        time.sleep(1.5)
        stop.set()
        thread.join()
        runs.append(_propagation_figures(out["value"], committed, len(targets)))
        cluster.manage(1, "routes", "maintenance", "task", "--off")
        _wait_serving(targets)
        say(f"  propagation {rep + 1}/{reps}: {runs[-1]['seconds']} s")
    seconds = sorted(r["seconds"] for r in runs)
    return {
        "p50_s": round(loadgen.percentile(seconds, 50), 3),
        "max_s": seconds[-1],
        "runs": runs,
    }


def _propagation_figures(window: loadgen.Window, committed: float, nodes: int) -> dict:
    commit_ns = (committed - window.started_epoch) * 1e9
    after = [
        (start, start + latency, status, target)
        for start, latency, status, target in zip(
            window.starts_ns, window.latencies_ns, window.statuses, window.targets, strict=True
        )
        if start >= commit_ns
    ]
    still_served = [end for _, end, status, _ in after if status != 503]
    obeyed = [end for _, end, status, _ in after if status == 503]
    last = max(still_served) if still_served else min(obeyed, default=commit_ns)
    tail = [t for start, _, status, t in after if start > last and status == 503]
    return {
        "seconds": round((last - commit_ns) / 1e9, 3),
        "answers_after_edit": len(after),
        "not_yet_obeying_after_edit": len(still_served),
        "maintenance_answers_after_last_old_one_per_node": [tail.count(n) for n in range(nodes)],
        "other_statuses": sum(1 for _, _, s, _ in after if s not in (200, 503)),
    }


def _wait_serving(targets: list[Target]) -> None:
    def all_ok() -> bool:
        batches = _reads(targets, 12, "bench.wait")
        window = loadgen.run([t.address for t in targets], batches, concurrency=4, duration=5)
        return set(window.statuses) == {200}

    wait_for(all_ok, timeout=20, interval=0.1, what="the task service back on both nodes")


class _Prober:
    """Heartbeat probes over raw connections: write on one database, read on the other."""

    def __init__(self, pair) -> None:
        self.dbs = [node.connect(database="platform") for node in pair.nodes]
        for conn in self.dbs:
            conn.autocommit(True)

    def probe(self, writer: int, timeout: float = 5.0) -> float | None:
        """Milliseconds from the heartbeat's commit on `writer` until the other side has it."""
        node_index, sql = writer + 1, "SELECT seq FROM replication_heartbeat WHERE node_index = %s"
        cur = self.dbs[writer].cursor()
        cur.execute(sql, [node_index])
        row = cur.fetchone()
        if row is None:
            cur.execute(
                "INSERT INTO replication_heartbeat (node_index, node, beat_at, seq) "
                "VALUES (%s, %s, UTC_TIMESTAMP(6), 1)",
                [node_index, "AB"[writer]],
            )
            wanted = 1
        else:
            cur.execute(
                "UPDATE replication_heartbeat SET beat_at = UTC_TIMESTAMP(6), seq = seq + 1 "
                "WHERE node_index = %s",
                [node_index],
            )
            wanted = row[0] + 1
        start = time.perf_counter()  # autocommit: the write has committed here
        reader = self.dbs[1 - writer].cursor()
        while time.perf_counter() - start < timeout:
            reader.execute(sql, [node_index])
            seen = reader.fetchone()
            if seen and seen[0] >= wanted:
                return (time.perf_counter() - start) * 1000
            time.sleep(0.0002)
        return None

    def series(self, *, until, interval: float = 0.01) -> dict:
        samples: dict[str, list[float]] = {"a_to_b": [], "b_to_a": []}
        missed, writer = 0, 0
        while not until():
            lag = self.probe(writer)
            if lag is None:
                missed += 1
            else:
                samples["a_to_b" if writer == 0 else "b_to_a"].append(lag)
            writer = 1 - writer
            time.sleep(interval)
        return {"samples": samples, "missed": missed}

    def close(self) -> None:
        for conn in self.dbs:
            conn.close()


def _lag_summary(samples: dict[str, list[float]]) -> dict:
    def summary(values: list[float]) -> dict:
        return loadgen.summary_ms([int(v * 1e6) for v in values])

    both = samples["a_to_b"] + samples["b_to_a"]
    return {"both": summary(both), **{k: summary(v) for k, v in samples.items()}}


def replication_lag(
    cluster, targets: list[Target], *, seconds: float, concurrency: int, say=print
) -> dict:
    """Idle probes, then probes under (d) at `concurrency` (the headline), then at one
    request in flight per node for half as long, to show how the lag follows the load."""
    prober = _Prober(cluster.pair)
    try:
        idle_end = time.monotonic() + 2.0
        idle = prober.series(until=lambda: time.monotonic() > idle_end)
        loaded = _probe_under_writes(prober, targets, seconds, concurrency, "lag")
        light = _probe_under_writes(prober, targets, seconds / 2, len(targets), "lag1")
    finally:
        prober.close()
    say(f"  replication lag: {loaded['write_load']['rps']:.0f} writes/s on both nodes")
    return {
        "idle_ms": _lag_summary(idle["samples"]),
        "under_load_ms": loaded["lag_ms"],
        "write_load": loaded["write_load"],
        "lighter_load": light,
        "probes_timed_out": idle["missed"] + loaded["missed"] + light["missed"],
    }


def _probe_under_writes(prober, targets, seconds: float, concurrency: int, tag: str) -> dict:
    count = int(seconds * 600) + 500
    batches = [
        sealed_batch(t, "POST", "/api/v1/task/tasks/", count, f"bench.{tag}.{i}", _title)
        for i, t in enumerate(targets)
    ]
    addresses = [t.address for t in targets]
    thread, out = _in_thread(
        lambda: loadgen.run(addresses, batches, concurrency=concurrency, duration=seconds)
    )
    probes = prober.series(until=lambda: not thread.is_alive())
    thread.join()
    window = out["value"]
    return {
        "lag_ms": _lag_summary(probes["samples"]),
        "missed": probes["missed"],
        "write_load": {
            "rps": round(window.rps, 1),
            "concurrency": concurrency,
            "seconds": round(window.elapsed_s, 2),
            "statuses": window.status_counts(),
            "ran_out_of_requests": window.exhausted,
        },
    }


def _title(i: int) -> bytes:
    return json.dumps({"title": f"bench lag write {i}"}).encode()

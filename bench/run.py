"""`python -m bench.run`: the whole benchmark in one run (what `make bench` calls).

Everything runs on this machine, on loopback, started here and stopped at the end:
the replicated MariaDB pair (deploy/local/pair.py, the shipped config: binlog ROW,
sync_binlog=1, innodb_flush_log_at_trx_commit=1), then ONE gunicorn node on database A
with DJANGO_SETTINGS_MODULE=bench.settings for scenarios (a) to (d) and the login
figures, then nodes A and B (the platform's own settings) and HAProxy for the drills.
`--quick` is a smoke run of about two minutes; the full run stays under ten and ends
with a py-spy profile of the gateway read (bench/profile.py; `--no-profile` skips it).

Bench node settings, stated in every report: `--workers` sync workers (default 2, one
per core), recycling off (`--max-requests 0`: a worker restart inside a window would
hit whichever scenario ran then), rate limits on but out of reach (10^9/s, so their
code runs but never refuses).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from bench import drills, failover, inprocess, loadgen, report, scenarios
from bench.machine import machine_info, process_tree
from bench.results_doc import assemble
from deploy.local import processes
from deploy.local.cluster import ClusterPorts, LocalCluster
from deploy.local.node import PlatformNode

OUT_OF_REACH = "1000000000"
NO_LIMITS = {"GATEWAY_ADDRESS_RATE_PER_SECOND": "0", "GATEWAY_SESSION_RATE_PER_SECOND": "0"}
# The bench node and the drills' direct probes speak plain HTTP to gunicorn itself.
PLAIN_HTTP = {"SECURE_SSL_REDIRECT": "false"}
USERNAME = "bench"


@dataclass(frozen=True)
class Plan:
    mode: str
    rounds: int
    window_s: float
    warmup_s: float
    light_rounds: int
    light_window_s: float
    login_n: int
    propagation_reps: int
    lag_s: float
    failover_before_s: float
    failover_after_s: float
    workers: int = 2
    concurrency: int = 4
    cluster_workers: int = 2
    lag_concurrency: int = 4
    failover_clients: int = 4


FULL = Plan("full", 8, 6.0, 2.0, 3, 3.0, 60, 5, 15.0, 2.0, 3.0)
QUICK = Plan("quick", 2, 4.0, 1.0, 1, 2.0, 50, 2, 6.0, 1.0, 2.0)


class Bench:
    def __init__(self, run_dir: Path, plan: Plan, say) -> None:
        self.run_dir, self.plan, self.say = run_dir, plan, say
        self.cluster = LocalCluster(
            run_dir / "cluster",
            ClusterPorts.free(),
            workers=plan.cluster_workers,
            extra_env={**NO_LIMITS, **PLAIN_HTTP},  # the drills stream faster than people
            direct_app=True,  # propagation and lag probe each node's gunicorn directly
        )
        self.node: PlatformNode | None = None
        self.task_id = 0
        self.password = secrets.token_urlsafe(16)
        self.raw: dict = {"phases_s": {}}

    def phase(self, name: str, fn):
        self.say(f"{name} …")
        started = time.monotonic()
        value = fn()
        self.raw["phases_s"][name] = round(time.monotonic() - started, 1)
        return value

    def bench_env(self) -> dict[str, str]:
        env = {**self.cluster.node_env(1), "DJANGO_SETTINGS_MODULE": "bench.settings"}
        for name in ("ADDRESS", "SESSION"):
            env[f"GATEWAY_{name}_RATE_PER_SECOND"] = OUT_OF_REACH
            env[f"GATEWAY_{name}_BURST"] = OUT_OF_REACH
        env["GUNICORN_CMD_ARGS"] = "--max-requests 0"
        return env

    def run(self, *, profile: bool) -> dict:
        self.phase("databases", self.cluster.start_databases)
        target = self.phase("bench node", self.start_bench_node)
        self.phase("scenarios", lambda: self.measure(target))
        self.phase("login", lambda: self.login(target))
        if profile:
            from bench.profile import profile_gateway

            self.raw["profile"] = self.phase(
                "profile", lambda: profile_gateway(self.node, target, self.say)
            )
        self.node.stop()
        self.phase("drills", self.drills)
        self.raw["machine"] = machine_info(mariadb_version=self.cluster.pair.a.version())
        return self.raw

    def start_bench_node(self) -> scenarios.Target:
        port = processes.free_port()
        self.node = PlatformNode(
            "bench", self.run_dir / "node-bench", port, self.bench_env(), workers=self.plan.workers
        )
        self.node.manage("migrate", "--noinput")
        code = (
            "from bench.inprocess import seed; "
            f"seed(username={USERNAME!r}, password={self.password!r})"
        )
        seed = inprocess.parse(self.node.manage("shell", "-c", code).stdout)
        self.task_id = seed["task_id"]
        self.cluster.wait_in_sync()
        self.node.start()
        target = scenarios.Target(
            "127.0.0.1", port, seed["task_id"], seed["token"], USERNAME, self.password
        )
        target.log_in()
        return target

    def measure(self, target: scenarios.Target) -> None:
        plan, found = self.plan, scenarios.scenarios(target)
        master = processes.read_pid(self.node.pid_file)
        groups = {
            "gunicorn": process_tree(master),
            "mariadb_a": [self.cluster.pair.a.pid()],
            "mariadb_b": [self.cluster.pair.b.pid()],
        }
        self.raw["same_body"] = scenarios.same_bodies(target, found)
        common = {
            "cpu_groups": groups,
            "counters": lambda: scenarios.mariadb_counters(self.cluster.pair.a),
            "say": self.say,
        }
        self.raw["scenarios"] = scenarios.measure_alternating(
            target,
            found,
            rounds=plan.rounds,
            window=plan.window_s,
            warmup=plan.warmup_s,
            concurrency=plan.concurrency,
            **common,
        )
        light = scenarios.measure_alternating(
            target,
            found[:3],
            rounds=plan.light_rounds,
            window=plan.light_window_s,
            warmup=0.5,
            concurrency=1,
            phase="l",
            **common,
        )
        log = self.node.log_path
        quality = scenarios.round_quality(self.raw["scenarios"])
        quiet = quality["quiet_rounds"]
        used = quiet or list(range(plan.rounds))  # no quiet round: all, and the report says so
        self.raw["headline_basis"] = {
            **quality,
            "rounds_used": used,
            "c_over_b": scenarios.median_of(quality["c_over_b_per_round"], used),
            "c_over_a": scenarios.median_of(quality["c_over_a_per_round"], used),
        }
        self.raw["request_log"] = scenarios.request_log_figures(log, list("abcd"), rounds=used)
        self.raw["light_load"] = {
            "concurrency": 1,
            "scenarios": light,
            "request_log": scenarios.request_log_figures(log, list("abc"), phase="l"),
        }

    def login(self, target: scenarios.Target) -> None:
        http = scenarios.login_over_http(target, self.plan.login_n)
        code = (
            "from bench.inprocess import login_parts; "
            f"login_parts(username={USERNAME!r}, password={self.password!r}, n={self.plan.login_n})"
        )
        parts = inprocess.parse(self.node.manage("shell", "-c", code).stdout)
        ns = parts["parts_ns"]
        ns["database"] = [
            total - hashed
            for total, hashed in zip(ns["login_call"], ns["password_hash"], strict=True)
        ]
        ns["server_total"] = [
            unwrap + total for unwrap, total in zip(ns["rsa_unwrap"], ns["login_call"], strict=True)
        ]
        self.raw["login"] = {
            "n": self.plan.login_n,
            "http_ms": http["latency_ms"],
            "http_ok": http["ok"],
            "hasher": parts["hasher"],
            "parts_ms": {name: loadgen.summary_ms(values) for name, values in ns.items()},
        }

    def drills(self) -> None:
        cluster, plan = self.cluster, self.plan
        cluster.start_nodes()
        cluster.start_lb()
        targets = []  # one session per node; the user and task replicated to B long ago
        for node in cluster.nodes:
            found = scenarios.Target(
                "127.0.0.1", node.app_port, self.task_id, "", USERNAME, self.password
            )
            found.log_in()
            targets.append(found)
        self.raw["route_propagation"] = drills.propagation(
            cluster, targets, reps=plan.propagation_reps, say=self.say
        )
        self.raw["replication_lag"] = drills.replication_lag(
            cluster, targets, seconds=plan.lag_s, concurrency=plan.lag_concurrency, say=self.say
        )
        self.raw["failover"] = failover.failover(
            cluster,
            username=USERNAME,
            password=self.password,
            clients=plan.failover_clients,
            before=plan.failover_before_s,
            after=plan.failover_after_s,
        )

    def down(self) -> None:
        if self.node is not None:
            self.node.stop()
        self.cluster.down()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run of about two minutes")
    parser.add_argument("--workers", type=int, help="sync workers of the bench node")
    parser.add_argument("--concurrency", type=int, help="requests in flight in scenarios (a)-(d)")
    parser.add_argument("--rounds", type=int, help="alternating rounds of (a)-(d)")
    parser.add_argument("--window", type=float, help="seconds per measurement window")
    parser.add_argument(
        "--no-profile", action="store_true", help="skip the py-spy profile of the gateway read"
    )
    parser.add_argument("--out", type=Path, default=report.RESULTS_DIR, help="results folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = QUICK if args.quick else FULL
    overrides = {
        "workers": args.workers,
        "concurrency": args.concurrency,
        "rounds": args.rounds,
        "window_s": args.window,
    }
    plan = replace(plan, **{k: v for k, v in overrides.items() if v is not None})
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")

    def say(text: str) -> None:
        print(text, flush=True)

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="platform-bench-") as tmp:
        bench = Bench(Path(tmp), plan, say)
        try:
            raw = bench.run(profile=not (args.no_profile or args.quick))
        finally:
            bench.down()
    raw["phases_s"]["total"] = round(time.monotonic() - started, 1)
    results = assemble(raw, plan=asdict(plan), stamp=stamp)
    json_path, md_path = report.write(results, stamp, args.out)
    print(md_path.read_text())
    say(f"results: {json_path} and {md_path} (copied to latest.json / latest.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

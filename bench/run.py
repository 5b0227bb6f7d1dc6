"""`python -m bench.run`: the whole benchmark in one run (what `make bench` calls).

Everything runs on this machine, on loopback, started here and stopped at the end:
the replicated MariaDB pair (deploy/local/pair.py, the shipped config: binlog ROW,
sync_binlog=1, innodb_flush_log_at_trx_commit=1), then ONE node on database A with
DJANGO_SETTINGS_MODULE=bench.settings, built as in production (nginx with TLS in front
of gunicorn on a Unix socket, deploy/local/node.py) plus a plain-HTTP port of the same
gunicorn. Scenarios (a) to (d) are measured both ways in the same alternating rounds:
directly (plain HTTP to gunicorn, a connection per request) and through the web server
(HTTPS to nginx, one kept-alive connection per client); then again with B's
replication stopped (single database); then the login figures, a py-spy profile of
the gateway read through the web server (bench/profile.py, with the cost of each layer
per request; `--no-profile` skips it), and the drills on nodes A and B (the platform's
own settings) behind HAProxy. `--quick` is a smoke run of about two minutes; the full
run stays under ten.

Bench node settings, stated in every report: `--workers` sync workers (default 2, one
per core), recycling off (`--max-requests 0`: a worker restart inside a window would
hit whichever scenario ran then), rate limits on but out of reach (10^9/s, so their
code runs but never refuses).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from bench import benchnode, drills, failover, inprocess, loadgen, measure, report, scenarios
from bench.machine import machine_info
from bench.results_doc import assemble
from deploy.local import webserver
from deploy.local.cluster import ClusterPorts, LocalCluster

NO_LIMITS = {"GATEWAY_ADDRESS_RATE_PER_SECOND": "0", "GATEWAY_SESSION_RATE_PER_SECOND": "0"}
# The bench node's direct port and the drills' direct probes speak plain HTTP to gunicorn.
PLAIN_HTTP = {"SECURE_SSL_REDIRECT": "false"}


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
    single_rounds: int
    single_window_s: float
    workers: int = 2
    concurrency: int = 4
    cluster_workers: int = 2
    lag_concurrency: int = 4
    failover_clients: int = 4


FULL = Plan("full", 6, 4.0, 1.5, 3, 2.5, 60, 5, 15.0, 2.0, 3.0, 2, 3.0)
QUICK = Plan("quick", 2, 2.5, 0.5, 1, 1.5, 30, 2, 6.0, 1.0, 2.0, 1, 2.0)


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
        self.node = None
        self.direct: scenarios.Target | None = None
        self.web: scenarios.Target | None = None
        self.task_id = 0
        self.password = secrets.token_urlsafe(16)
        self.raw: dict = {"phases_s": {}, "load_average": {"start": os.getloadavg()}}

    def phase(self, name: str, fn):
        self.say(f"{name} …")
        started = time.monotonic()
        value = fn()
        self.raw["phases_s"][name] = round(time.monotonic() - started, 1)
        return value

    def run(self, *, profile: bool) -> dict:
        self.phase("databases", self.cluster.start_databases)
        self.phase("bench node", self.start_bench_node)
        self.phase("scenarios", self.measure)
        self.phase("single database", self.single_database)
        self.phase("login", self.login)
        self.raw["pieces"] = self.phase(
            "pieces", lambda: benchnode.pieces(self.node, self.task_id)
        )["us_per_call"]
        if profile:
            from bench.profile import profile_gateway

            groups = benchnode.process_groups(self.node, self.cluster.pair)
            self.raw["profile"] = self.phase(
                "profile", lambda: profile_gateway(self.node, self.web, groups, self.say)
            )
        self.node.stop()
        self.phase("drills", self.drills)
        self.raw["machine"] = machine_info(
            mariadb_version=self.cluster.pair.a.version(), nginx=webserver.binary()
        )
        self.raw["load_average"]["end"] = os.getloadavg()
        return self.raw

    def start_bench_node(self) -> None:
        self.node, self.direct, self.web, self.task_id = benchnode.start(
            self.cluster,
            self.run_dir / "node-bench",
            workers=self.plan.workers,
            password=self.password,
        )

    def common(self) -> dict:
        return {
            "cpu_groups": benchnode.process_groups(self.node, self.cluster.pair),
            "counters": lambda: measure.mariadb_counters(self.cluster.pair.a),
            "say": self.say,
        }

    def arms(self, codes: str = "abcd") -> list[scenarios.Scenario]:
        """The scenarios reached directly, then through the web server (codes w…)."""
        found = scenarios.scenarios(self.direct) + scenarios.scenarios(self.web, prefix="w")
        return [s for s in found if s.code[-1] in codes]

    def measure(self) -> None:
        plan, found = self.plan, self.arms()
        self.raw["same_body"] = scenarios.same_bodies(found)
        loaded = measure.measure_alternating(
            found,
            rounds=plan.rounds,
            window=plan.window_s,
            warmup=plan.warmup_s,
            concurrency=plan.concurrency,
            **self.common(),
        )
        light = measure.measure_alternating(
            self.arms("abc"),
            rounds=plan.light_rounds,
            window=plan.light_window_s,
            warmup=0.5,
            concurrency=1,
            phase="l",
            **self.common(),
        )
        log = self.node.log_path
        direct = measure.served_figures(loaded, light, None, prefix="")
        used = direct["headline_basis"]["rounds_used"]  # the same rounds for both ways
        logs = (
            measure.request_log_figures(log, list(loaded), rounds=used),
            measure.request_log_figures(log, list(light), phase="l"),
        )
        self.raw.update(measure.served_figures(loaded, light, logs, prefix=""))
        self.raw["web_server"] = measure.served_figures(loaded, light, logs, prefix="w")

    def single_database(self) -> None:
        """The same arms with B's replication stopped: database A alone does the work."""
        plan, replica = self.plan, self.cluster.pair.b
        replica.execute("STOP SLAVE")
        try:
            found = measure.measure_alternating(
                self.arms(),
                rounds=plan.single_rounds,
                window=plan.single_window_s,
                warmup=0.5,
                concurrency=plan.concurrency,
                phase="s",
                **self.common(),
            )
        finally:
            replica.execute("START SLAVE")
        self.cluster.wait_in_sync(timeout=120)
        self.raw["single_database"] = {
            "how": "B's replication stopped (STOP SLAVE): B applies nothing; A as in the pair",
            "direct": measure.served_figures(found, None, None, prefix=""),
            "web_server": measure.served_figures(found, None, None, prefix="w"),
        }

    def login(self) -> None:
        http = scenarios.login_over_http(self.direct, self.plan.login_n)
        web = scenarios.login_over_http(self.web, self.plan.login_n)
        code = (
            "from bench.inprocess import login_parts; "
            f"login_parts(username={benchnode.USERNAME!r}, password={self.password!r}, "
            f"n={self.plan.login_n})"
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
            "web_server_ms": web["latency_ms"],
            "web_server_ok": web["ok"],
            "unexpected": {"http": http["unexpected"], "web_server": web["unexpected"]},
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
                "127.0.0.1", node.app_port, self.task_id, "", benchnode.USERNAME, self.password
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
            username=benchnode.USERNAME,
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

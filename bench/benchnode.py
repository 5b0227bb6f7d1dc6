"""The node scenarios (a) to (d) run on: production's shape, plus a door for the baseline.

One node on database A with DJANGO_SETTINGS_MODULE=bench.settings: nginx with TLS (a
certificate from the cluster's CA) in front of gunicorn on a Unix socket, as every node
runs (deploy/local/node.py), and a plain-HTTP TCP bind of the same gunicorn beside it, so
the same workers answer both ways: `direct` (plain HTTP, a connection per request) and
`web` (HTTPS through nginx, kept-alive connections), one session between them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench import inprocess, scenarios
from bench.machine import process_tree
from deploy.local import processes
from deploy.local.node import PROJECT_DIR, PlatformNode

OUT_OF_REACH = "1000000000"
USERNAME = "bench"


def bench_env(cluster) -> dict[str, str]:
    """Node A's settings with bench.settings, rate limits out of reach, no recycling."""
    env = {**cluster.node_env(1), "DJANGO_SETTINGS_MODULE": "bench.settings"}
    for name in ("ADDRESS", "SESSION"):
        env[f"GATEWAY_{name}_RATE_PER_SECOND"] = OUT_OF_REACH
        env[f"GATEWAY_{name}_BURST"] = OUT_OF_REACH
    env["GUNICORN_CMD_ARGS"] = "--max-requests 0"
    return env


def start(cluster, base_dir: Path, *, workers: int, password: str):
    """Migrate, seed, start; returns (node, direct target, web-server target, task id)."""
    node = PlatformNode(
        "bench",
        base_dir,
        processes.free_port(),
        bench_env(cluster),
        workers=workers,
        web_server=True,
        ca=cluster.ca,
        app_port=processes.free_port(),
    )
    node.manage("migrate", "--noinput")
    code = f"from bench.inprocess import seed; seed(username={USERNAME!r}, password={password!r})"
    seed = inprocess.parse(node.manage("shell", "-c", code).stdout)
    cluster.wait_in_sync()
    node.start()
    direct = scenarios.Target(
        "127.0.0.1", node.app_port, seed["task_id"], seed["token"], USERNAME, password
    )
    direct.log_in()
    web = direct.through_web_server(node.port, node.ca_file)
    return node, direct, web, seed["task_id"]


def process_groups(node, pair) -> dict[str, list[int]]:
    """The processes whose CPU each window reports: the node's and both databases'."""
    return {
        "gunicorn": _tree(processes.read_pid(node.pid_file)),
        "nginx": _tree(processes.read_pid(node.nginx.pid_file)),
        "mariadb_a": [pair.a.pid()],
        "mariadb_b": [pair.b.pid()],
    }


def _tree(pid: int | None) -> list[int]:
    return process_tree(pid) if pid else []


def pieces(node, task_id: int) -> dict:
    """bench/pieces.py in a shell with the node's settings, its metrics in multiprocess
    mode in a directory of their own (as a worker's are)."""
    metrics_dir = node.base_dir / "pieces-metrics"
    metrics_dir.mkdir(exist_ok=True)
    code = f"from bench.pieces import pieces; pieces(username={USERNAME!r}, task_id={task_id})"
    done = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, str(PROJECT_DIR / "manage.py"), "shell", "-c", code],
        env={**node.process_env(), "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return inprocess.parse(done.stdout)

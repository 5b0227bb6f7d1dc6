"""Fault isolation, measured: a healthy service's latency while another one fails.

    .venv/bin/python -m bench.isolation

One gunicorn node (2 workers) on its own MariaDB; the test-only service in
tests/support/service_urls.py is routed with a breaker of 3 consecutive failures.
The healthy service's read latency is sampled before, while a second client hammers
the failing endpoint (its breaker opens and answers 503 at once), and after.
A measurement, not a test: it prints figures and asserts nothing about speed.
"""

from __future__ import annotations

import base64
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from client import PlatformClient, RequestsTransport
from deploy.local.mariadb import MariaDBInstance
from deploy.local.node import PlatformNode
from deploy.local.processes import free_port

SETUP = (
    "from django.contrib.auth import get_user_model as U; from gateway.models import "
    "ServiceRoute as R; U().objects.create_superuser('root', '', 'Isolation-Passw0rd'); "
    "R.objects.create(code='test', display_name='Test', target='tests.support.service_urls', "
    "breaker_consecutive_failures=3, breaker_open_seconds=60)"
)


def start(base: Path) -> tuple[MariaDBInstance, PlatformNode]:
    db = MariaDBInstance("isolation", base / "db", free_port(), node_index=1, node_count=1)
    db.start()
    password = db.create_app_user("platform", all_databases=True)
    db.execute("CREATE DATABASE platform CHARACTER SET utf8mb4")
    env = {
        "SECRET_KEY": "isolation-" + "k" * 40,
        "PLATFORM_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
        "PLATFORM_NODE_COUNT": "1",
        "DATABASE_URL": db.database_url("platform", password, "platform"),
        "GATEWAY_ADDRESS_RATE_PER_SECOND": "0",
        "GATEWAY_SESSION_RATE_PER_SECOND": "0",
        "SECURE_SSL_REDIRECT": "false",
    }
    node = PlatformNode("isolation", base / "node", free_port(), env, workers=2)
    node.manage("migrate", "--noinput")
    node.manage("credential_keys", "ensure")
    node.manage("shell", "-c", SETUP)
    node.start()
    return db, node


def client(node: PlatformNode) -> PlatformClient:
    api = PlatformClient(node.url, transport=RequestsTransport(), retries=0)
    api.login("root", "Isolation-Passw0rd")
    return api


def sample(api: PlatformClient, path: str, n: int = 400) -> tuple[float, float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        api.get(path)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(n * 0.99)]


def main() -> None:
    db, node = start(Path(tempfile.mkdtemp(prefix="platform-isolation-")))
    try:
        healthy, failing = client(node), client(node)
        task = healthy.post("/api/v1/task/tasks/", {"title": "isolation"}).data["id"]
        path = f"/api/v1/task/tasks/{task}/"
        sample(healthy, path, 100)
        before = sample(healthy, path)
        codes: list[int] = []
        stop = threading.Event()
        hammer = threading.Thread(
            target=lambda: [
                codes.append(failing.get("/api/v1/test/boom").status)
                for _ in iter(lambda: stop.is_set(), True)
            ]
        )
        hammer.start()
        time.sleep(1)
        during = sample(healthy, path)
        stop.set()
        hammer.join()
        after = sample(healthy, path)
    finally:
        node.stop()
        db.remove()
    print(
        f"healthy service read, p50/p99 ms: before {before[0]:.2f}/{before[1]:.2f}, "
        f"while another service fails {during[0]:.2f}/{during[1]:.2f}, "
        f"after {after[0]:.2f}/{after[1]:.2f}"
    )
    print(
        f"failing service: {len(codes)} answers, {codes.count(500)} x 500 before its breaker "
        f"opened, {codes.count(503)} x 503 while open"
    )


if __name__ == "__main__":
    main()

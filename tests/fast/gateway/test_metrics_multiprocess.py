"""The node's metrics across worker processes, as gunicorn runs them: forked workers
writing prometheus-client's multiprocess files, gunicorn's `child_exit` bookkeeping when
one dies, and the scrape aggregating them — no `pid` label, no series per recycled worker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

PROJECT = Path(__file__).resolve().parents[3]
# A stand-in master: forks workers that each serve a request of service "task" with its
# breaker in the given state, then exit; scrapes after each step. The multiprocess
# bookkeeping is the platform's own: gateway.metrics and deploy/gunicorn.conf.py's hook.
NODE = """
import json, os, sys
import django
django.setup()
from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from gateway import metrics

def worker(state):
    pid = os.fork()
    if pid == 0:
        metrics.BREAKER_STATE.labels("task").set(state)
        metrics.REQUESTS.labels("task", "200").inc()
        os._exit(0)
    os.waitpid(pid, 0)
    return pid

def scrape():
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return {"text": generate_latest(registry).decode(), "workers": metrics.breaker_states()}

steps = {}
opened, closed = worker(2), worker(0)
steps["both"] = scrape()
multiprocess.mark_process_dead(opened)  # what gunicorn's child_exit hook does
steps["open_one_gone"] = scrape()
for _ in range(5):
    multiprocess.mark_process_dead(worker(1))  # recycled workers
steps["recycled"] = scrape()
steps["pids"] = [opened, closed]
print(json.dumps(steps))
"""


def run_node(tmp_path) -> dict:
    directory = tmp_path / "metrics"
    directory.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PLATFORM_", "DATABASE"))},
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "DJANGO_SETTINGS_MODULE": "platform_site.settings",
        "PLATFORM_ENV_FILE": "",
        "DEBUG": "true",
        "PLATFORM_STATE_DIR": str(tmp_path / "state"),
        "PYTHONPATH": str(PROJECT),
    }
    done = subprocess.run(
        [sys.executable, "-c", NODE], env=env, cwd=PROJECT, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def samples(text: str, name: str) -> list:
    return [s for f in text_string_to_metric_families(text) for s in f.samples if s.name == name]


def test_breaker_state_is_the_worst_live_worker_with_no_pid_label_and_no_growth(tmp_path):
    steps = run_node(tmp_path)
    opened, closed = (str(pid) for pid in steps["pids"])
    (both,) = samples(steps["both"]["text"], "platform_breaker_state")
    assert (both.labels, both.value) == ({"service": "task"}, 2)
    assert sorted(steps["both"]["workers"]["task"]) == sorted(
        [[opened, "open"], [closed, "closed"]]
    )

    (after,) = samples(steps["open_one_gone"]["text"], "platform_breaker_state")
    assert after.value == 0 and steps["open_one_gone"]["workers"]["task"] == [[closed, "closed"]]

    recycled = samples(steps["recycled"]["text"], "platform_breaker_state")
    assert [(s.labels, s.value) for s in recycled] == [({"service": "task"}, 0)]
    assert steps["recycled"]["workers"]["task"] == [[closed, "closed"]]


def test_counters_of_dead_workers_still_count(tmp_path):
    steps = run_node(tmp_path)
    for step, expected in (("both", 2), ("open_one_gone", 2), ("recycled", 7)):
        (total,) = samples(steps[step]["text"], "platform_requests_total")
        assert (total.labels, total.value) == ({"service": "task", "status": "200"}, expected)

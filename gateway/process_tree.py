"""CPU, memory and open files of the node's processes, measured when /metrics is scraped.

Why not prometheus-client's own `ProcessCollector`: under gunicorn every scrape is
answered by whichever worker accepted it, so `process_*` series would describe a
different process each time, and labelling them by pid would grow a series per
recycled worker. Instead the answering worker measures the whole tree, gunicorn's
master (its pid comes from `deploy/gunicorn.conf.py`) and its live workers, and exports
node-wide totals with no per-process label:

- `platform_node_cpu_seconds_total`: the tree's user + system CPU. The master's own
  counters hold its reaped children's time (`children_user/system`), so a recycled
  worker's CPU moves from the live sum into the master's and the total never goes back;
- `platform_node_resident_memory_bytes` (RSS summed: shared pages counted in each
  process) and `platform_node_proportional_memory_bytes` (PSS summed: each shared page
  split between its sharers, so the sum is what the tree really holds);
- `platform_node_open_fds` summed, `platform_node_max_open_fds_per_process` (the most
  any one process holds) against `platform_node_fd_limit` (the per-process limit);
- `platform_node_processes` (master and workers) and `platform_node_start_time_seconds`.

Outside gunicorn (tests, `manage.py`) the tree is the current process alone.
"""

from __future__ import annotations

import os
import resource

import psutil
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

MASTER_PID_VARIABLE = "PLATFORM_GUNICORN_MASTER_PID"


def tree_root() -> psutil.Process:
    pid = os.environ.get(MASTER_PID_VARIABLE)
    return psutil.Process(int(pid)) if pid else psutil.Process()


def _tree(root: psutil.Process) -> list[psutil.Process]:
    return [root, *root.children(recursive=True)]


def _measure(process: psutil.Process, *, is_root: bool) -> dict:
    with process.oneshot():
        times = process.cpu_times()
        memory = process.memory_full_info()
        cpu = times.user + times.system
        if is_root:
            cpu += times.children_user + times.children_system
        return {"cpu": cpu, "rss": memory.rss, "pss": memory.pss, "fds": process.num_fds()}


def measure(root: psutil.Process | None = None) -> dict:
    """Totals over the tree; a process gone between listing and reading is skipped."""
    root = root or tree_root()
    totals = {"cpu": 0.0, "rss": 0, "pss": 0, "fds": 0, "max_fds": 0, "processes": 0}
    for process in _tree(root):
        try:
            one = _measure(process, is_root=process.pid == root.pid)
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
        for key in ("cpu", "rss", "pss", "fds"):
            totals[key] += one[key]
        totals["max_fds"] = max(totals["max_fds"], one["fds"])
        totals["processes"] += 1
    totals["started"] = root.create_time()
    return totals


class ProcessTreeCollector:
    def collect(self):
        totals = measure()
        cpu = CounterMetricFamily(
            "platform_node_cpu_seconds",
            "User and system CPU of the node's gunicorn master and workers, reaped ones too.",
        )
        cpu.add_metric([], totals["cpu"])
        yield cpu
        for name, documentation, value in (
            ("resident_memory_bytes", "RSS summed over the node's processes.", totals["rss"]),
            (
                "proportional_memory_bytes",
                "PSS summed over the node's processes (shared pages split between sharers).",
                totals["pss"],
            ),
            ("open_fds", "Open file descriptors of the node's processes.", totals["fds"]),
            (
                "max_open_fds_per_process",
                "Most file descriptors one of the node's processes holds.",
                totals["max_fds"],
            ),
            (
                "fd_limit",
                "Per-process limit on open file descriptors (soft RLIMIT_NOFILE).",
                resource.getrlimit(resource.RLIMIT_NOFILE)[0],
            ),
            ("processes", "The node's gunicorn master and live workers.", totals["processes"]),
            (
                "start_time_seconds",
                "When the node's gunicorn master started (Unix time).",
                totals["started"],
            ),
        ):
            yield GaugeMetricFamily(f"platform_node_{name}", documentation, value=value)

"""What machine the bench ran on, and who used its CPU (from /proc, no extra dependency)."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PACKAGES = ("Django", "djangorestframework", "gunicorn", "cryptography", "mysqlclient")


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine_info(*, mariadb_version: str, nginx: str | None = None) -> dict:
    return {
        "cores": os.cpu_count(),
        "cpu_model": cpu_model(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "mariadb": mariadb_version,
        "web_server": _nginx_version(nginx),
        "packages": {name: _version(name) for name in PACKAGES},
    }


def _nginx_version(binary: str | None) -> str:
    if binary is None:
        return "no web server"
    done = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
    return (done.stderr or done.stdout).strip().removeprefix("nginx version: ") or "nginx"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name may hold spaces and parentheses: fields start after the last ')'.
    return text[text.rindex(")") + 2 :].split()


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants alive now."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (dead ones count 0)."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def machine_ticks() -> tuple[int, int, int]:
    """(busy, steal, total) CPU ticks of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    total = sum(values)  # user … steal; guest time is already inside user
    return total - values[3] - values[4], values[7], total


@dataclass
class CpuMeter:
    """CPU seconds of named process groups, and the machine's busy and steal shares."""

    groups: dict[str, list[int]]
    _start: dict[str, float] = field(default_factory=dict)
    _ticks: tuple[int, int, int] = (0, 0, 0)
    _wall: float = 0.0

    def __enter__(self) -> CpuMeter:
        self._start = {name: cpu_seconds(pids) for name, pids in self.groups.items()}
        self._ticks, self._wall = machine_ticks(), time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        busy, steal, total = machine_ticks()
        self.wall_s = time.perf_counter() - self._wall
        self.used = {
            name: cpu_seconds(pids) - self._start[name] for name, pids in self.groups.items()
        }
        span = max(total - self._ticks[2], 1)
        self.machine_busy_share = (busy - self._ticks[0]) / span
        self.steal_share = (steal - self._ticks[1]) / span

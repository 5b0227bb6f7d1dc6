"""Small helpers to start and stop the background servers this project runs on loopback."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

# Kills the server when the process that started it goes away, so servers started for a
# test run never outlive it, even when the run itself is killed.
_WATCHDOG = """
import os, signal, sys, time
parent, child = int(sys.argv[1]), int(sys.argv[2])
while True:
    time.sleep(0.5)
    try:
        os.kill(child, 0)
    except ProcessLookupError:
        sys.exit(0)
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        os.killpg(child, signal.SIGKILL)
        sys.exit(0)
"""


# Ports for the servers, below the kernel's ephemeral range: a port from that range
# (what binding port 0 gives) can be taken as the source port of some outgoing
# connection while its server is down for a restart, and the server then cannot bind
# it again ("Address already in use": a database restart in the cluster tier did).
LOWEST_SERVER_PORT = 10000
_given: set[int] = set()


def _ephemeral_low(default: int = 32768) -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return default


def free_port() -> int:
    """A free loopback port outside the ephemeral range, never the same twice per process."""
    high = _ephemeral_low() - 1
    if high - LOWEST_SERVER_PORT >= 1000:
        rng = random.SystemRandom()
        for _ in range(500):
            port = rng.randint(LOWEST_SERVER_PORT, high)
            if port in _given:
                continue
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _given.add(port)
            return port
    with socket.socket() as sock:  # no room below the ephemeral range: the kernel's choice
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def spawn(args: list[str], *, log: Path, env: dict | None = None, tied: bool) -> subprocess.Popen:
    """Start a server in its own process group; `tied` adds the watchdog."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    if tied:
        subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(proc.pid)],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return proc


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); reap it if it is ours.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def stop_pid(pid: int | None, *, timeout: float = 20.0, sig: int = signal.SIGTERM) -> None:
    """Signal a process group we started and wait for its leader to exit."""
    if not pid_alive(pid):
        return
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return
        time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None

"""`make run` keeps the trial node's files to their owner: var/ 0700, database and secrets 0600.

The real script (scripts/run-local) runs in a copy of the checkout, under a permissive
umask and over a `var/`, a database and a `.env` an earlier run left readable by all,
until its node answers; then every mode is checked.
"""

from __future__ import annotations

import os
import stat
import subprocess
import time
from pathlib import Path

import requests

from deploy.local.envfile import ensure_env_file
from deploy.local.processes import free_port, spawn, stop_pid

ROOT = Path(__file__).resolve().parents[3]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def checkout_copy(target: Path) -> Path:
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source, copy = ROOT / name.decode(), target / name.decode()
        if source.is_file():
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(source.read_bytes())
            copy.chmod(mode(source))
    (target / ".venv").symlink_to((ROOT / ".venv").resolve())
    return target


def wait_for(url: str, proc, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise AssertionError(f"the trial node did not answer in {timeout}s:\n{log.read_text()[-3000:]}")


def test_make_run_leaves_var_and_the_secrets_readable_by_their_owner_only(tmp_path):
    copy = checkout_copy(tmp_path / "checkout")
    var = copy / "var"
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    (var / "node-a.sqlite3").touch(mode=0o644)  # an empty file is an empty SQLite database
    (var / "node-a.sqlite3").chmod(0o644)
    ensure_env_file(copy / ".env")
    (copy / ".env").chmod(0o644)
    port = free_port()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PORT": str(port), "LANG": "C.UTF-8"}
    log = tmp_path / "run-local.log"
    script = copy / "scripts" / "run-local"  # it moves to its own checkout first
    proc = spawn(["bash", "-c", f"umask 022 && exec {script}"], log=log, env=env, tied=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/health/", proc, log)
        files = sorted(path for path in var.iterdir() if path.is_file())
        assert {path.name for path in files} >= {"node-a.sqlite3", "local-admin.txt"}
        assert mode(var) == 0o700
        assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}
        assert mode(copy / ".env") == 0o600
    finally:
        stop_pid(proc.pid)

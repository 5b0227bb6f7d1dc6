"""Profile the gateway read (scenario (c), through the web server) with py-spy.

Part of the full run (after the measured windows, so it perturbs none of them);
`--no-profile` skips it, `--quick` never runs it.

Two recordings of every worker (`py-spy record --subprocesses --nonblocking`) while
(c) runs through the node's nginx: on-CPU samples, and wall-clock samples (`--idle`, so
time spent waiting for MariaDB shows). In the summaries only stacks inside gunicorn's
`handle_request` count, so shares are of request-handling time; they keep the top
functions by self and inclusive share and the self share by area (project module,
library, stdlib). The on-CPU recording also gives the cost of each layer per request
(bench/layers.py: its share of all the workers' samples times their CPU per request,
measured over the same window). bench/PROFILE.md reads both. py-spy is a dev
dependency; without it the profile is skipped and says so.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench import layers, scenarios
from bench.machine import CpuMeter
from deploy.local import processes
from deploy.local.node import PROJECT_DIR

PREFIXES = (
    (str(PROJECT_DIR) + "/.venv/lib/python3.11/site-packages/", ""),
    (str(PROJECT_DIR) + "/", ""),
    ("/usr/local/lib/python3.11/", "stdlib/"),
    ("/usr/lib/python3.11/", "stdlib/"),
)
PROJECT_AREAS = ("gateway", "credential", "services", "replication", "platform_site", "bench")


def _py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def _frame(raw: str) -> tuple[str, str]:
    """(function (file), file) of one py-spy frame 'function (file:line)'."""
    name, _, where = raw.rpartition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for prefix, short in PREFIXES:
        if path.startswith(prefix):
            path = short + path[len(prefix) :]
            break
    return f"{name} ({path})", path


def _area(path: str) -> str:
    top = path.split("/", 1)[0]
    if top in PROJECT_AREAS:
        return f"project {top}/"
    if top == "stdlib":
        return "stdlib " + path.split("/")[1].removesuffix(".py")
    if path.startswith("django/db/"):
        return "django.db"
    return top.removesuffix(".py")


def summarize(text: str, top: int = 25) -> dict:
    total, own, inclusive, areas = 0, Counter(), Counter(), Counter()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if "handle_request (" not in stack or not count.isdigit():
            continue
        frames = [_frame(f) for f in stack.split(";") if f.endswith(")") and " (" in f]
        if not frames:
            continue
        n = int(count)
        total += n
        for name in {name for name, _ in frames}:
            inclusive[name] += n
        own[frames[-1][0]] += n
        areas[_area(frames[-1][1])] += n

    def shares(counter: Counter, limit: int) -> list[list]:
        return [[name, round(100 * n / total, 1)] for name, n in counter.most_common(limit)]

    if not total:
        return {"samples": 0}
    return {
        "samples": total,
        "self_top": shares(own, top),
        "inclusive_top": shares(inclusive, top * 4),
        "self_by_area": shares(areas, 30),
    }


def profile_gateway(
    node, target: scenarios.Target, groups: dict, say, seconds: float = 8.0
) -> dict:
    spy = _py_spy()
    if spy is None:
        return {"skipped": "py-spy is not installed (pip install -r requirements-dev.txt)"}
    master = processes.read_pid(node.pid_file)
    read = next(s for s in scenarios.scenarios(target, prefix="w") if s.code == "wc")
    found = {}
    for mode, flags in (("cpu", []), ("wall", ["--idle"])):
        out = node.base_dir / f"profile-{mode}.txt"
        command = [spy, "record", "--pid", str(master), "--subprocesses", "--nonblocking"]
        command += ["--format", "raw", "--rate", "250", "--duration", str(math.ceil(seconds) + 2)]
        recorder = subprocess.Popen(  # noqa: S603 - our own py-spy, fixed arguments
            [*command, "--output", str(out), *flags],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(1.0)  # attached to every worker before the load starts
        batch = read.build(int(seconds * 900), f"bench.wc.p{mode}")
        with CpuMeter(groups) as meter:
            run = target.run(batch, concurrency=4, duration=seconds)
        _, errors = recorder.communicate(timeout=120)
        if recorder.returncode != 0 or not out.exists():
            return {"skipped": f"py-spy failed: {errors.decode(errors='replace')[-500:]}"}
        text = out.read_text()
        cpu = {name: round(used / max(run.count, 1) * 1e6, 1) for name, used in meter.used.items()}
        found[mode] = {
            "rps_while_sampled": round(run.rps, 1),
            "cpu_us_per_request": cpu,
            **summarize(text),
        }
        if mode == "cpu":
            found[mode]["layers"] = layers.layer_costs(text, cpu["gunicorn"])
        say(f"  profile ({mode}): {found[mode]['samples']} samples")
    return found

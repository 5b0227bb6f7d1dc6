"""Profile the gateway read (scenario (c), through the web server) with py-spy.

Part of the full run (after the measured windows, so it perturbs none of them);
`--no-profile` skips it, `--quick` never runs it.

Recordings of every worker (`py-spy record --subprocesses --nonblocking`) while (c)
runs through the node's nginx: on-CPU samples, and wall-clock samples (`--idle`, so time
spent waiting for MariaDB shows); then on-CPU samples while (a) runs, for comparison.
In the summaries only stacks inside gunicorn's `handle_request` count, so shares are of
request-handling time; they keep the top functions by self and inclusive share and the
self share by area (project module, library, stdlib). The on-CPU recordings also give
the cost of each layer per request (bench/layers.py: its share of all the workers'
samples times their CPU per request, measured over the same window). bench/PROFILE.md
reads them. py-spy is a dev dependency; without it the profile is skipped and says so.
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


# (name, scenario, py-spy flags): (c) on CPU and wall clock, and (a) on CPU beside it,
# so that the report can set the gateway read's layers against the bare view's.
RECORDINGS = (("cpu", "wc", ()), ("wall", "wc", ("--idle",)), ("bare_cpu", "wa", ()))


def profile_gateway(
    node, target: scenarios.Target, groups: dict, say, seconds: float = 8.0
) -> dict:
    spy = _py_spy()
    if spy is None:
        return {"skipped": "py-spy is not installed (pip install -r requirements-dev.txt)"}
    found = {}
    arms = {s.code: s for s in scenarios.scenarios(target, prefix="w")}
    for mode, code, flags in RECORDINGS:
        recorded = _record(spy, node, arms[code], groups, mode, flags, seconds)
        if "skipped" in recorded:
            return recorded
        found[mode] = recorded
        say(f"  profile ({mode}): {recorded['samples']} samples")
    return found


def _record(spy, node, scenario, groups, mode: str, flags, seconds: float) -> dict:
    """One py-spy recording of every worker while `scenario` runs at 4 in flight."""
    out = node.base_dir / f"profile-{mode}.txt"
    command = [spy, "record", "--pid", str(processes.read_pid(node.pid_file))]
    command += ["--subprocesses", "--nonblocking", "--format", "raw", "--rate", "250"]
    command += ["--duration", str(math.ceil(seconds) + 2), "--output", str(out), *flags]
    recorder = subprocess.Popen(  # noqa: S603 - our own py-spy, fixed arguments
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    time.sleep(1.0)  # attached to every worker before the load starts
    tag = f"bench.{scenario.code}.p{mode.replace('_', '')}"
    batch = scenario.build(int(seconds * 1500), tag)
    with CpuMeter(groups) as meter:
        run = scenario.target.run(batch, concurrency=4, duration=seconds)
    _, errors = recorder.communicate(timeout=120)
    if recorder.returncode != 0 or not out.exists():
        return {"skipped": f"py-spy failed: {errors.decode(errors='replace')[-500:]}"}
    text = out.read_text()
    cpu = {name: round(used / max(run.count, 1) * 1e6, 1) for name, used in meter.used.items()}
    recorded = {
        "scenario": scenario.code,
        "rps_while_sampled": round(run.rps, 1),
        "cpu_us_per_request": cpu,
        **summarize(text),
    }
    if "--idle" not in flags:
        recorded["layers"] = layers.layer_costs(text, cpu["gunicorn"])
    return recorded

"""Scenarios measured in alternating rounds, and the figures drawn from the windows.

Each round runs every scenario once (a window of `window` seconds), the order rotating
each round (a b c d …, b c d … a, …), so drift over the run hits every scenario alike;
each window's requests are built just before it. Around each window: the CPU of the
node's processes (gunicorn, nginx) and both databases, the machine's busy share, and
database A's status counters.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path

from bench import loadgen
from bench.machine import CpuMeter
from bench.scenarios import Scenario


def measure_alternating(
    found: list[Scenario],
    *,
    rounds: int,
    window: float,
    warmup: float,
    concurrency: int,
    cpu_groups: dict[str, list[int]],
    counters: Callable[[], dict[str, int]] | None = None,
    phase: str = "r",
    say=print,
) -> dict:
    estimate = {}
    for scenario in found:  # warm the workers and estimate each rate
        batch = scenario.build(4000, f"bench.{scenario.code}.warm")
        run = scenario.target.run(batch, concurrency=concurrency, duration=warmup)
        estimate[scenario.code] = max(run.rps, 50.0)
    windows: dict[str, list[dict]] = {s.code: [] for s in found}
    latencies: dict[str, list[list[int]]] = {s.code: [] for s in found}
    for r in range(rounds):
        order = found[r % len(found) :] + found[: r % len(found)]
        for scenario in order:
            count = math.ceil(estimate[scenario.code] * window * 1.6) + 200
            batch = scenario.build(count, f"bench.{scenario.code}.{phase}{r}")
            before = counters() if counters else {}
            with CpuMeter(cpu_groups) as meter:
                run = scenario.target.run(batch, concurrency=concurrency, duration=window, keep=3)
            after = counters() if counters else {}
            estimate[scenario.code] = max(estimate[scenario.code], run.rps)
            figures = _window_figures(run, meter, scenario, batch)
            figures["db"] = {name: after[name] - before[name] for name in after}
            windows[scenario.code].append(figures)
            latencies[scenario.code].append(run.latencies_ns)
            say(f"  {phase}{r + 1}/{rounds} ({scenario.code}) {run.rps:8.1f} req/s")
    measured = {s.code: _aggregate(s, windows[s.code], latencies[s.code]) for s in found}
    if len(found) > 1:
        quiet = set(_quiet_rounds(windows))
        for s in found:
            chosen = [v for r, values in enumerate(latencies[s.code]) if r in quiet for v in values]
            measured[s.code]["latency_ms_quiet_rounds"] = loadgen.summary_ms(chosen)
    return measured


def _window_figures(run: loadgen.Window, meter: CpuMeter, scenario: Scenario, batch) -> dict:
    verified = 0
    for (_, index), raw in run.kept.items():
        if scenario.sealed:
            status, _ = loadgen.open_answer(raw, batch[index])  # raises if forged
        else:
            status = loadgen.body_of(raw)[0]
        verified += status == scenario.expect
    return {
        "requests": run.count,
        "elapsed_s": run.elapsed_s,
        "rps": run.rps,
        "unexpected": sum(1 for s in run.statuses if s != scenario.expect),
        "statuses": run.status_counts(),
        "exhausted": run.exhausted,
        "connections": run.connections,
        "answers_opened_and_checked": verified,
        "cpu_s": {"generator": run.cpu_s, **meter.used},
        "machine_busy_share": meter.machine_busy_share,
        "steal_share": meter.steal_share,
        # Busy time no measured process accounts for: other programs on this machine.
        "others_share": max(
            0.0,
            meter.machine_busy_share
            - (run.cpu_s + sum(meter.used.values())) / (meter.wall_s * (os.cpu_count() or 1)),
        ),
        "wall_s": meter.wall_s,
    }


def _aggregate(scenario: Scenario, windows: list[dict], latencies: list[list[int]]) -> dict:
    total = sum(w["requests"] for w in windows)
    elapsed = sum(w["elapsed_s"] for w in windows)
    wall = max(sum(w["wall_s"] for w in windows), 1e-9)
    cpu = {name: sum(w["cpu_s"][name] for w in windows) for name in windows[0]["cpu_s"]}

    def weighted(name: str) -> float:
        return round(sum(w[name] * w["wall_s"] for w in windows) / wall, 3)

    return {
        "title": scenario.title,
        "requests": total,
        "rps": round(total / elapsed, 1) if elapsed else 0.0,
        "rps_per_round": [round(w["rps"], 1) for w in windows],
        "latency_ms": loadgen.summary_ms([v for values in latencies for v in values]),
        "unexpected_answers": sum(w["unexpected"] for w in windows),
        "answers_opened_and_checked": sum(w["answers_opened_and_checked"] for w in windows),
        "ran_out_of_requests": any(w["exhausted"] for w in windows),
        "connections": sum(w["connections"] for w in windows),
        "cpu_us_per_request": {k: round(v / max(total, 1) * 1e6, 1) for k, v in cpu.items()},
        "database_a_per_request": {
            name: round(sum(w["db"][name] for w in windows) / max(total, 1), 2)
            for name in windows[0]["db"]
        },
        "generator_share_of_one_core": round(cpu["generator"] / wall, 4),
        "machine_busy_share": weighted("machine_busy_share"),
        "steal_share": weighted("steal_share"),
        "others_share": weighted("others_share"),
        "windows": windows,
    }


# MariaDB status counters read around each window on database A (per request in the
# results): statements, transactions, fsyncs. One SHOW per reading adds one Question.
COUNTERS = (
    "Questions",
    "Com_select",
    "Com_insert",
    "Com_insert_select",
    "Com_update",
    "Com_begin",
    "Com_commit",
    "Com_set_option",
    "Com_savepoint",
    "Com_admin_commands",
    "Binlog_commits",
    "Binlog_group_commits",
    "Innodb_data_fsyncs",
)


def mariadb_counters(instance) -> dict[str, int]:
    names = ", ".join(f"'{name}'" for name in COUNTERS)
    rows = instance.execute(f"SHOW GLOBAL STATUS WHERE Variable_name IN ({names})")
    return {name: int(value) for name, value in rows}


# A round counts for the headline figures only when programs other than the bench's
# left the machine alone: on a shared machine another job can halve every rate at once.
QUIET_OTHERS_SHARE = 0.10


def _others_per_round(windows: dict[str, list[dict]]) -> list[float]:
    rounds = min(len(w) for w in windows.values())
    return [max(w[r]["others_share"] for w in windows.values()) for r in range(rounds)]


def _quiet_rounds(windows: dict[str, list[dict]]) -> list[int]:
    others = _others_per_round(windows)
    return [r for r, share in enumerate(others) if share <= QUIET_OTHERS_SHARE]


def round_quality(measured: dict, prefix: str = "") -> dict:
    """Per round: the largest share of the machine other programs took in any window of
    any scenario measured, the rounds under QUIET_OTHERS_SHARE, and the per-round ratios
    of `prefix` + c to `prefix` + b and + a."""
    windows = {code: s["windows"] for code, s in measured.items()}
    others = _others_per_round(windows)
    rounds, quiet = len(others), _quiet_rounds(windows)

    def ratios(top: str, bottom: str) -> list[float]:
        tops, bottoms = measured[prefix + top]["windows"], measured[prefix + bottom]["windows"]
        return [round(tops[r]["rps"] / bottoms[r]["rps"], 3) for r in range(rounds)]

    return {
        "others_share_per_round": [round(o, 3) for o in others],
        "quiet_rounds": quiet,
        "c_over_b_per_round": ratios("c", "b"),
        "c_over_a_per_round": ratios("c", "a"),
    }


def median_of(values: list[float], rounds: list[int]) -> float | None:
    picked = sorted(values[r] for r in rounds)
    return round(loadgen.percentile(picked, 50), 3) if picked else None


def request_log_figures(
    log_path: Path, codes: list[str], phase: str = "r", rounds: list[int] | None = None
) -> dict:
    """total_ms and gateway_ms of the measured requests, from the node's JSON request log
    (only the given rounds' when `rounds` is set)."""
    found: dict[str, dict[str, list[int]]] = {c: {"total": [], "gateway": []} for c in codes}
    with open(log_path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if '"bench.' not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            parts = str(entry.get("request_id", "")).split(".")
            if len(parts) != 4 or parts[1] not in found:
                continue
            if not (parts[2].startswith(phase) and parts[2][len(phase) :].isdigit()):
                continue
            if rounds is not None and int(parts[2][len(phase) :]) not in rounds:
                continue
            found[parts[1]]["total"].append(int(entry["total_ms"] * 1e6))
            found[parts[1]]["gateway"].append(int(entry["gateway_ms"] * 1e6))
    return {
        code: {
            "total_ms": loadgen.summary_ms(values["total"]),
            "gateway_ms": loadgen.summary_ms(values["gateway"]),
        }
        for code, values in found.items()
    }


def served_figures(
    loaded: dict, light: dict | None, logs: tuple[dict, dict] | None, *, prefix: str
) -> dict:
    """The figures of one way of reaching the node, keyed a … d: `prefix` "" for the
    direct arms, "w" for those through the web server. `logs`: the request-log figures
    of the loaded and the light rounds (`request_log_figures`), for every arm."""

    def mine(measured: dict) -> dict:
        return {code[-1]: value for code, value in measured.items() if code[:-1] == prefix}

    quality = round_quality(loaded, prefix)
    # No quiet round: every round counts, and the report says so.
    used = quality["quiet_rounds"] or list(range(len(quality["others_share_per_round"])))
    out = {
        "scenarios": mine(loaded),
        "headline_basis": {
            **quality,
            "rounds_used": used,
            "c_over_b": median_of(quality["c_over_b_per_round"], used),
            "c_over_a": median_of(quality["c_over_a_per_round"], used),
        },
    }
    if logs is not None:
        out["request_log"] = mine(logs[0])
    if light is not None:
        out["light_load"] = {
            "concurrency": 1,
            "scenarios": mine(light),
            "request_log": mine(logs[1]) if logs else {},
        }
    return out

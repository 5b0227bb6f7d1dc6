"""Scenarios (a) to (d) on one node, measured alternately, and the login over HTTP.

(a) GET /bench/bare/tasks/{id}/ — a bare Django view (bench/views.py), the ceiling;
(b) GET /bench/drf/tasks/{id}/ — DRF + TokenAuthentication, what a team would build;
(c) GET /api/v1/task/tasks/{id}/ — the encrypted gateway into the task service;
(d) POST /api/v1/task/tasks/ — an encrypted write (one new task per request).
(a), (b) and (c) answer the same bytes (checked first, `same_bodies`). Windows run in
rounds, the order rotating each round (a b c d, b c d a, …), so drift over the run hits
every scenario alike; each window's requests are built just before it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

from bench import loadgen
from bench.loadgen import Built
from bench.machine import CpuMeter
from client import PlatformClient, RequestsTransport, crypto


@dataclass
class Target:
    """The node under test and what the seed gave it."""

    host: str
    port: int
    task_id: int
    token: str
    username: str
    password: str
    session_id: str = ""
    key: bytes = b""

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def authority(self) -> str:
        return f"{self.host}:{self.port}"

    def log_in(self) -> None:
        api = PlatformClient(self.url, transport=RequestsTransport(), retries=0)
        response = api.login(self.username, self.password)
        if response.status != 200:
            raise RuntimeError(f"bench login answered {response.status} {response.code}")
        self.session_id, self.key = api.session.session_id, api.session.key


@dataclass(frozen=True)
class Scenario:
    code: str
    title: str
    expect: int
    build: Callable[[int, str], list[Built]]  # (count, request-id tag) → requests


def scenarios(target: Target) -> list[Scenario]:
    task = target.task_id
    read = f"/api/v1/task/tasks/{task}/"

    def rid(tag: str, i: int) -> str:
        return f"{tag}.{i:07d}"

    def bare(n: int, tag: str) -> list[Built]:
        path = f"/bench/bare/tasks/{task}/"
        return [loadgen.plain_get(path, target.authority, request_id=rid(tag, i)) for i in range(n)]

    def drf(n: int, tag: str) -> list[Built]:
        path, auth = f"/bench/drf/tasks/{task}/", {"Authorization": f"Token {target.token}"}
        return [
            loadgen.plain_get(path, target.authority, request_id=rid(tag, i), headers=auth)
            for i in range(n)
        ]

    def gateway_read(n: int, tag: str) -> list[Built]:
        return sealed_batch(target, "GET", read, n, tag, lambda i: b"")

    def gateway_write(n: int, tag: str) -> list[Built]:
        def body(i: int) -> bytes:
            return json.dumps({"title": f"bench write {tag} {i}"}).encode()

        return sealed_batch(target, "POST", "/api/v1/task/tasks/", n, tag, body)

    return [
        Scenario("a", "bare Django view", 200, bare),
        Scenario("b", "DRF + TokenAuthentication", 200, drf),
        Scenario("c", "gateway read (encrypted)", 200, gateway_read),
        Scenario("d", "gateway write (encrypted)", 201, gateway_write),
    ]


def sealed_batch(target: Target, method: str, path: str, n: int, tag: str, body) -> list[Built]:
    stamp = int(time.time() * 1000)  # one fresh timestamp for the window that follows
    return [
        loadgen.sealed(
            method,
            path,
            target.authority,
            key=target.key,
            session_id=target.session_id,
            plaintext=body(i),
            request_id=f"{tag}.{i:07d}",
            timestamp_ms=stamp,
        )
        for i in range(n)
    ]


def same_bodies(target: Target, found: list[Scenario]) -> dict:
    """One request each of (a), (b), (c): the JSON bodies must be the same bytes."""
    bodies = {}
    for scenario in found[:3]:
        batch = scenario.build(1, f"bench.{scenario.code}.check")
        window = loadgen.run([target.address], [batch], concurrency=1, duration=10, keep=1)
        raw = window.kept[(0, 0)]
        if scenario.code == "c":
            status, body = loadgen.open_answer(raw, batch[0])
        else:
            status, _, body = loadgen.body_of(raw)
        if status != 200:
            raise RuntimeError(f"scenario ({scenario.code}) answered {status}: {body[:300]!r}")
        bodies[scenario.code] = body
    equal = len(set(bodies.values())) == 1
    if not equal:
        raise RuntimeError(f"the baselines and the gateway answer different JSON: {bodies}")
    body = bodies["a"]
    return {"equal": equal, "bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()[:16]}


def measure_alternating(
    target: Target,
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
        run = loadgen.run([target.address], [batch], concurrency=concurrency, duration=warmup)
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
                run = loadgen.run(
                    [target.address], [batch], concurrency=concurrency, duration=window, keep=3
                )
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
        if scenario.code in ("c", "d"):
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


def round_quality(measured: dict) -> dict:
    """Per round: the largest share of the machine other programs took in any of its
    windows, the rounds under QUIET_OTHERS_SHARE, and the per-round ratios."""
    windows = {code: s["windows"] for code, s in measured.items()}
    others = _others_per_round(windows)
    rounds, quiet = len(others), _quiet_rounds(windows)

    def ratios(top: str, bottom: str) -> list[float]:
        tops, bottoms = measured[top]["windows"], measured[bottom]["windows"]
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


def login_over_http(target: Target, n: int) -> dict:
    """`n` logins one after another, each built ahead (fresh K, RSA-wrapped), timed on the wire."""
    keys = requests.get(target.url + "/api/v1/credential/public-key", timeout=10).json()["keys"]
    server = next(k for k in keys if k["primary"])
    body = json.dumps({"username": target.username, "password": target.password}).encode()
    batch = []
    for i in range(n):
        key = crypto.new_session_key()
        wrapped = crypto.b64(crypto.wrap_session_key(server["public_key_pem"], key))
        extra = {"X-Key-Id": server["kid"], "X-Encrypted-Key": wrapped}
        batch.append(
            loadgen.sealed(
                "POST",
                "/api/v1/credential/login",
                target.authority,
                key=key,
                session_id="",
                plaintext=body,
                request_id=f"bench.login.x.{i:07d}",
                extra=extra,
            )
        )
    run = loadgen.run([target.address], [batch], concurrency=1, duration=120, keep=n)
    opened = [loadgen.open_answer(raw, batch[i])[0] for (_, i), raw in run.kept.items()]
    ok = opened.count(200)
    return {"latency_ms": loadgen.summary_ms(run.latencies_ns), "ok": ok, "attempts": run.count}

"""Scenarios (a) to (d) on one node, each reached directly and through the web server,
and the login over HTTP.

(a) GET /bench/bare/tasks/{id}/ — a bare Django view (bench/views.py), the ceiling;
(b) GET /bench/drf/tasks/{id}/ — DRF + TokenAuthentication, what a team would build;
(c) GET /api/v1/task/tasks/{id}/ — the encrypted gateway into the task service;
(d) POST /api/v1/task/tasks/ — an encrypted write (one new task per request).
(a), (b) and (c) answer the same bytes (checked first, `same_bodies`). Each scenario is
built for a `Target`: gunicorn directly (codes a … d) or the node's nginx over TLS with
kept-alive connections (codes wa … wd); bench/measure.py runs them in alternating rounds.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import requests

from bench import loadgen
from bench.loadgen import Built
from client import PlatformClient, RequestsTransport, crypto


@dataclass
class Target:
    """The node under test, how it is reached, and what the seed gave it.

    Direct: gunicorn's own TCP port, plain HTTP, a connection per request. Through the
    web server: the node's nginx, TLS verified against `ca_file`, kept-alive connections.
    """

    host: str
    port: int
    task_id: int
    token: str
    username: str
    password: str
    session_id: str = ""
    key: bytes = b""
    ca_file: Path | None = None  # set: TLS (the node's nginx), trusting this CA only
    keep_alive: bool = False

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    @property
    def url(self) -> str:
        return f"{'https' if self.ca_file else 'http'}://{self.host}:{self.port}"

    @property
    def authority(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def verify(self) -> str | bool:
        return str(self.ca_file) if self.ca_file else True

    def tls(self):
        return loadgen.client_tls(self.ca_file) if self.ca_file else None

    def through_web_server(self, port: int, ca_file: Path) -> Target:
        """The same node, session and data, reached through its nginx on `port`."""
        return replace(self, port=port, ca_file=ca_file, keep_alive=True)

    def log_in(self) -> None:
        transport = RequestsTransport(verify=self.verify)
        api = PlatformClient(self.url, transport=transport, retries=0)
        response = api.login(self.username, self.password)
        if response.status != 200:
            raise RuntimeError(f"bench login answered {response.status} {response.code}")
        self.session_id, self.key = api.session.session_id, api.session.key

    def run(self, batch: list[Built], **kwargs) -> loadgen.Window:
        """Send `batch` to this target the way it is reached (see the class)."""
        return loadgen.run(
            [self.address], [batch], tls=self.tls(), keep_alive=self.keep_alive, **kwargs
        )


@dataclass(frozen=True)
class Scenario:
    code: str
    title: str
    expect: int
    build: Callable[[int, str], list[Built]]  # (count, request-id tag) → requests
    target: Target

    @property
    def sealed(self) -> bool:
        """(c) and (d) answer inside the envelope."""
        return self.code[-1] in "cd"


# A window's sealed requests carry one timestamp, this far ahead of the moment they are
# built (a client clock a few seconds fast, well inside the ±120 s accepted): none is
# more than a second old when sent, so none looks like a client's resend, which the
# server checks against the other database first (replication/exactly_once.py); a
# fresh request from a real client never is.
TIMESTAMP_LEAD_S = 20.0


def scenarios(target: Target, prefix: str = "") -> list[Scenario]:
    """(a) to (d) against `target`, coded `prefix` + a … d."""
    task, alive = target.task_id, target.keep_alive
    read = f"/api/v1/task/tasks/{task}/"

    def rid(tag: str, i: int) -> str:
        return f"{tag}.{i:07d}"

    def bare(n: int, tag: str) -> list[Built]:
        path = f"/bench/bare/tasks/{task}/"
        return [
            loadgen.plain_get(path, target.authority, request_id=rid(tag, i), keep_alive=alive)
            for i in range(n)
        ]

    def drf(n: int, tag: str) -> list[Built]:
        path, auth = f"/bench/drf/tasks/{task}/", {"Authorization": f"Token {target.token}"}
        return [
            loadgen.plain_get(
                path, target.authority, request_id=rid(tag, i), headers=auth, keep_alive=alive
            )
            for i in range(n)
        ]

    def gateway_read(n: int, tag: str) -> list[Built]:
        return sealed_batch(target, "GET", read, n, tag, lambda i: b"")

    def gateway_write(n: int, tag: str) -> list[Built]:
        def body(i: int) -> bytes:
            return json.dumps({"title": f"bench write {tag} {i}"}).encode()

        return sealed_batch(target, "POST", "/api/v1/task/tasks/", n, tag, body)

    return [
        Scenario(prefix + "a", "bare Django view", 200, bare, target),
        Scenario(prefix + "b", "DRF + TokenAuthentication", 200, drf, target),
        Scenario(prefix + "c", "gateway read (encrypted)", 200, gateway_read, target),
        Scenario(prefix + "d", "gateway write (encrypted)", 201, gateway_write, target),
    ]


def sealed_batch(target: Target, method: str, path: str, n: int, tag: str, body) -> list[Built]:
    stamp = int((time.time() + TIMESTAMP_LEAD_S) * 1000)  # see TIMESTAMP_LEAD_S
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
            keep_alive=target.keep_alive,
        )
        for i in range(n)
    ]


def same_bodies(found: list[Scenario]) -> dict:
    """One request each of (a), (b), (c) (of every target given): the JSON bodies must be
    the same bytes."""
    bodies = {}
    for scenario in (s for s in found if s.code[-1] in "abc"):
        batch = scenario.build(1, f"bench.{scenario.code}.check")
        window = scenario.target.run(batch, concurrency=1, duration=10, keep=1)
        if (0, 0) not in window.kept:
            raise RuntimeError(f"scenario ({scenario.code}) got no answer: {window.statuses}")
        raw = window.kept[(0, 0)]
        if scenario.sealed:
            status, body = loadgen.open_answer(raw, batch[0])
        else:
            status, _, body = loadgen.body_of(raw)
        if status != 200:
            raise RuntimeError(f"scenario ({scenario.code}) answered {status}: {body[:300]!r}")
        bodies[scenario.code] = body
    equal = len(set(bodies.values())) == 1
    if not equal:
        raise RuntimeError(f"the baselines and the gateway answer different JSON: {bodies}")
    body = next(iter(bodies.values()))
    return {
        "equal": equal,
        "bytes": len(body),
        "sha256": hashlib.sha256(body).hexdigest()[:16],
        "compared": sorted(bodies),
    }


def login_over_http(target: Target, n: int) -> dict:
    """`n` logins one after another, each built ahead (fresh K, RSA-wrapped), timed on the wire."""
    url = target.url + "/api/v1/credential/public-key"
    keys = requests.get(url, timeout=10, verify=target.verify).json()["keys"]
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
                keep_alive=target.keep_alive,
            )
        )
    run = target.run(batch, concurrency=1, duration=120, keep=n)
    ok, unexpected = 0, {}
    for (_, i), raw in run.kept.items():
        status, headers, body = loadgen.body_of(raw)
        if "x-nonce" not in headers:  # refused before the login ran: a plain problem
            try:
                why = f"{status} {json.loads(body).get('code', '')}".strip()
            except ValueError:
                why = str(status)
            unexpected[why] = unexpected.get(why, 0) + 1
            continue
        loadgen.open_sealed(status, headers, body, batch[i])  # every sealed answer verifies
        ok += status == 200
    return {
        "latency_ms": loadgen.summary_ms(run.latencies_ns),
        "ok": ok,
        "attempts": run.count,
        "unexpected": unexpected,
    }

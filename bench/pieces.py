"""The pieces of a request, each timed alone in a node's process (`manage.py shell`).

With the bench node's settings and its database, each piece runs in a loop; the figure
is CPU µs per call (the thread's own time), the lowest of several rounds' means, so that
another program taking the CPU for a moment does not count. What the profile splits out
of whole requests (bench/layers.py), this times directly: the checks the gateway makes on
every request, the periodic reloads it makes once a second or more often, the request
log line, the metrics, the envelope's AES-GCM, and the service's read beside the bare
view's. Printed as one `BENCH-JSON:` line (bench/inprocess.py).
"""

from __future__ import annotations

import base64
import logging
import os
import resource

from bench.inprocess import emit

SRCFILE = logging._srcfile  # as Python sets it: where logging's own frames come from


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return usage.ru_utime + usage.ru_stime


class Timer:
    """µs of CPU per call: the lowest of `rounds` means of `n` calls (`n` times `scale`:
    a test runs every piece a few times only)."""

    def __init__(self, *, rounds: int = 7, scale: float = 1.0) -> None:
        self.rounds, self.scale = rounds, scale

    def __call__(self, fn, *, n: int) -> float:
        return self.alternating({"": (lambda: None, fn)}, n=n)[""]

    def alternating(self, variants: dict, *, n: int) -> dict[str, float]:
        """Several variants of one piece, {name: (set it up, call)}, timed in turns within
        each round, so that a busy moment hits them alike."""
        n = max(1, int(n * self.scale))
        best = dict.fromkeys(variants, float("inf"))
        for _ in range(self.rounds):
            for name, (enter, fn) in variants.items():
                enter()
                started = _cpu()
                for _ in range(n):
                    fn()
                best[name] = min(best[name], (_cpu() - started) / n * 1e6)
        return {name: round(value, 1) for name, value in best.items()}


def _reference_stamp():
    """The routing table's stamp as the ORM aggregate built it before (for comparison)."""
    from django.db.models import Count, Max, Sum

    from gateway.models import ServiceRoute

    stamp = ServiceRoute.objects.aggregate(n=Count("id"), v=Sum("version"), t=Max("updated_at"))
    return tuple(stamp.values())


def _gateway_checks(timed: Timer, user) -> dict:
    from core.nodelocal import node_state
    from credential import grants, sessions
    from gateway.replay import safe_nonce_first_sight
    from gateway.routing import table_stamp

    key = os.urandom(32)
    session, session_id = sessions.session_create(user=user, key=key, client={}, address=None)
    sessions.session_resolve(session_id)
    nonces = iter([base64.b64encode(os.urandom(12)).decode() for _ in range(8000)])  # 1000 x 7

    def reload_grants():
        grants.clear_grant_cache()
        grants.grants_for_user(user)

    return {
        "node_state() (twice per request)": timed(node_state, n=2000),
        "nonce check (node-local store)": timed(
            lambda: safe_nonce_first_sight(key=key, nonce_b64=next(nonces)), n=1000
        ),
        "revocation check (node-local store)": timed(
            lambda: node_state().is_revoked(session.id_hash), n=2000
        ),
        "session, cached (revocation check included)": timed(
            lambda: sessions.session_resolve(session_id), n=1000
        ),
        "session reload (each worker, once a second)": timed(
            lambda: sessions._load(session.id_hash), n=100
        ),
        "grants reload (each worker, once a second)": timed(reload_grants, n=100),
        "routing table stamp, now (each worker, 4 a second)": timed(table_stamp, n=200),
        "routing table stamp, as the ORM aggregate was": timed(_reference_stamp, n=200),
    }


def _log_and_metrics(timed: Timer) -> dict:
    from gateway import metrics

    logger = logging.getLogger("platform.request")
    fields = {
        "request_id": "bench.pieces.x.0000001",
        "service": "task",
        "user_id": 1,
        "session": "0123456789ab",
        "method": "GET",
        "path": "/api/v1/task/tasks/1/",
        "status": 200,
        "bytes_in": 0,
        "bytes_out": 290,
        "total_ms": 1.5,
        "gateway_ms": 0.3,
        "outcome": "ok",
    }

    def line():
        logger.info("request", extra=fields)

    found = timed.alternating(
        {
            "request log line": (lambda: _lookups(on=True), line),
            "request log line, as a worker writes it (platform_site/wsgi.py)": (
                lambda: _lookups(on=False),
                line,
            ),
        },
        n=500,
    )
    _lookups(on=True)

    def observe():
        metrics.REQUESTS.labels("task", "200").inc()
        metrics.LATENCY.labels("task").observe(0.0015)
        metrics.GATEWAY_LATENCY.labels("task").observe(0.0003)

    found["metrics (3 updates)"] = timed(observe, n=1000)
    return found


def _lookups(*, on: bool) -> None:
    """logging's caller, thread and process lookups, as Python ships them or switched off
    as platform_site/wsgi.py does."""
    logging._srcfile = SRCFILE if on else None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = on


def _crypto_and_reads(timed: Timer, user, task_id: int) -> dict:
    from core.crypto import envelope
    from services.task import selectors
    from services.task.models import Task

    key, nonce, aad = os.urandom(32), os.urandom(12), b"PLATFORM-V1\n" + b"x" * 100
    tag = _seal_request(key, nonce, aad)

    def open_request():
        envelope.open_request(key=key, nonce=nonce, ciphertext=b"", tag=tag, aad=aad)

    return {
        "AES-GCM open of a request (empty body)": timed(open_request, n=2000),
        "AES-GCM seal of the 290-byte answer": timed(
            lambda: envelope.seal_response(
                key=key,
                status=200,
                request_nonce_b64="bm9uY2Vub25jZQ==",
                content_type="application/json",
                plaintext=b"x" * 290,
            ),
            n=2000,
        ),
        "task read as (a) does it (by id)": timed(
            lambda: Task.objects.select_related("creator", "assignee").get(pk=task_id), n=200
        ),
        "task read as the service does it (by id, among those the caller may see)": timed(
            lambda: selectors.task_list(user=user, see_all=False, filters={}).get(pk=task_id),
            n=200,
        ),
    }


def _seal_request(key: bytes, nonce: bytes, aad: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key).encrypt(nonce, b"", aad)  # an empty body: the tag alone


def measure(*, username: str, task_id: int, timed: Timer) -> dict[str, float]:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    return {
        **_gateway_checks(timed, user),
        **_log_and_metrics(timed),
        **_crypto_and_reads(timed, user, task_id),
    }


def pieces(*, username: str, task_id: int) -> None:
    emit({"us_per_call": measure(username=username, task_id=task_id, timed=Timer())})

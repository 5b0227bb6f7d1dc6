"""The benchmark's pure pieces: statistics, targets, the generator, pre-built envelopes."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time

import pytest

from bench import layers, loadgen, measure, pieces, report, scenarios
from deploy.local.tls import LocalCA
from services.task.models import Task
from services.task.services import task_create
from tests.conftest import PASSWORD
from tests.support import wire


def test_percentiles_interpolate_between_closest_ranks():
    values = [1.0, 2.0, 3.0, 4.0]
    assert loadgen.percentile(values, 0) == 1.0
    assert loadgen.percentile(values, 50) == 2.5
    assert loadgen.percentile(values, 100) == 4.0
    assert loadgen.percentile(list(range(101)), 99) == 99
    assert loadgen.percentile([7.0], 95) == 7.0


@pytest.mark.parametrize(("values", "q"), [([], 50), ([1.0], -1), ([1.0], 101)])
def test_percentile_refuses_what_has_no_answer(values, q):
    with pytest.raises(ValueError):
        loadgen.percentile(values, q)


def test_latency_summary_is_in_milliseconds():
    summary = loadgen.summary_ms([1_000_000 * n for n in range(1, 101)])
    assert summary["n"] == 100
    assert (summary["p50"], summary["max"], summary["mean"]) == (50.5, 100.0, 50.5)
    assert summary["p99"] == pytest.approx(99.01)
    assert loadgen.summary_ms([]) == {"n": 0}


def test_targets_are_met_missed_or_not_measured():
    raw = {
        "scenarios": {"a": {"rps": 1000.0}, "b": {"rps": 500.0}, "c": {"rps": 600.0}},
        "request_log": {"c": {"gateway_ms": {"p99": 0.7}}},
        "light_load": {"request_log": {"c": {"gateway_ms": {"p99": 1.5}}}},
        "web_server": {
            "scenarios": {"a": {"rps": 900.0}, "b": {"rps": 800.0}, "c": {"rps": 750.0}},
            "headline_basis": {"c_over_b": 0.95, "c_over_a": 0.85},
        },
        "login": {"http_ms": {"p50": 31.0}, "web_server_ms": {"p50": 22.0}},
        "failover": {"failed_operations": 0, "detection_s": 0.7},
    }
    numbers = report.headline(raw)
    assert numbers["gateway_vs_drf_token_rps_ratio"] == 1.2
    assert numbers["gateway_vs_bare_rps_ratio"] == 0.6
    # The median of the rounds' ratios when there is one, not the pooled rates.
    assert numbers["web_server_gateway_vs_drf_token_rps_ratio"] == 0.95
    assert numbers["web_server_gateway_vs_bare_rps_ratio"] == 0.85
    # The target is at concurrency 1 (the light rounds); the loaded figure is beside it.
    assert (numbers["gateway_added_p99_ms"], numbers["gateway_added_p99_ms_loaded"]) == (1.5, 0.7)
    verdicts = {row["key"]: row["met"] for row in report.evaluate(numbers)}
    assert verdicts["gateway_vs_drf_token_rps_ratio"] is True
    assert verdicts["gateway_vs_bare_rps_ratio"] is False
    assert verdicts["web_server_gateway_vs_drf_token_rps_ratio"] is False
    assert verdicts["web_server_gateway_vs_bare_rps_ratio"] is True
    assert verdicts["gateway_added_p99_ms"] is False
    assert verdicts["login_p50_ms"] is False
    assert verdicts["web_server_login_p50_ms"] is True
    assert verdicts["failover_failed_ops"] is True
    assert verdicts["failover_detection_s"] is True
    assert verdicts["web_server_gateway_added_p99_ms"] is None


def test_a_chunked_answer_is_read_back_whole():
    head = b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-Tag: t\r\n\r\n"
    raw = head + b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    status, headers, body = loadgen.body_of(raw)
    assert (status, headers["x-tag"], body) == (201, "t", b"abcde")


def _answering_server(answer: bytes):
    """A loopback server answering every connection with `answer`, then closing it."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(4096)
                conn.sendall(answer)

    threading.Thread(target=serve, daemon=True).start()
    return listener


def test_the_generator_sends_each_pre_built_request_once_and_counts_the_answers():
    listener = _answering_server(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    address = listener.getsockname()
    batch = [loadgen.plain_get("/x", "h", request_id=f"bench.t.r0.{i:07d}") for i in range(40)]
    try:
        window = loadgen.run([address], [batch], concurrency=4, duration=10, keep=2)
    finally:
        listener.close()
    assert window.count == 40 and window.exhausted
    assert window.status_counts() == {"200": 40}
    assert sorted(window.indexes) == list(range(40))
    assert loadgen.body_of(window.kept[(0, 0)])[2] == b"ok"
    assert window.rps > 0 and min(window.latencies_ns) > 0


def _tls_server(tmp_path, *, close_after: int):
    """A loopback TLS server (certificate from a CA of the test's own) answering every
    request on a connection, announcing `Connection: close` on the `close_after`-th."""
    ca = LocalCA(tmp_path / "tls")
    cert = ca.node_certificate("node-test")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert.cert_file, cert.key_file)
    listener = socket.create_server(("127.0.0.1", 0))
    served: list[int] = []

    def answer(conn) -> None:
        try:
            tls = context.wrap_socket(conn, server_side=True)
        except OSError:  # the client refused the certificate
            conn.close()
            return
        with tls:
            data, count = b"", 0
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = tls.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                data = data.split(b"\r\n\r\n", 1)[1]
                count += 1
                last = count == close_after
                close = b"Connection: close\r\n" if last else b""
                tls.sendall(b"HTTP/1.1 200 OK\r\n" + close + b"Content-Length: 2\r\n\r\nok")
                if last:
                    served.append(count)
                    return

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return listener, ca.ca_file, served


@pytest.mark.parametrize(
    ("concurrency", "close_after", "connections"),
    [(3, 1000, 3), (1, 10, 6)],  # one connection per slot; a new one after each close
)
def test_the_generator_keeps_its_tls_connections_alive_and_reconnects_when_told(
    tmp_path, concurrency, close_after, connections
):
    listener, ca_file, _ = _tls_server(tmp_path, close_after=close_after)
    batch = [
        loadgen.plain_get("/x", "h", request_id=f"bench.t.r0.{i:07d}", keep_alive=True)
        for i in range(60)
    ]
    assert b"Connection: close" not in batch[0].raw
    try:
        window = loadgen.run(
            [listener.getsockname()],
            [batch],
            concurrency=concurrency,
            duration=20,
            keep=2,
            tls=loadgen.client_tls(ca_file),
            keep_alive=True,
        )
    finally:
        listener.close()
    assert window.status_counts() == {"200": 60}
    assert window.connections == connections
    assert loadgen.body_of(window.kept[(0, 1)])[2] == b"ok"


def test_the_generator_refuses_a_server_its_ca_did_not_sign(tmp_path):
    listener, _, served = _tls_server(tmp_path / "server", close_after=10)
    stranger = LocalCA(tmp_path / "other").ensure()
    batch = [loadgen.plain_get("/x", "h", request_id="bench.t.r0.0000001", keep_alive=True)]
    try:
        window = loadgen.run(
            [listener.getsockname()],
            [batch],
            concurrency=1,
            duration=10,
            tls=loadgen.client_tls(stranger),
            keep_alive=True,
        )
    finally:
        listener.close()
    assert window.statuses == [0] and served == []


def test_request_log_figures_take_only_the_measured_requests(tmp_path):
    log = tmp_path / "node.log"
    lines = [
        {"request_id": "bench.c.r0.0000001", "total_ms": 4.0, "gateway_ms": 1.0},
        {"request_id": "bench.c.r1.0000002", "total_ms": 6.0, "gateway_ms": 3.0},
        {"request_id": "bench.c.warm.0000001", "total_ms": 90.0, "gateway_ms": 90.0},
        {"request_id": "bench.c.l0.0000001", "total_ms": 2.0, "gateway_ms": 0.5},
    ]
    log.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n")
    found = measure.request_log_figures(log, ["c"])
    assert found["c"]["gateway_ms"]["n"] == 2
    assert found["c"]["gateway_ms"]["p50"] == 2.0
    assert measure.request_log_figures(log, ["c"], phase="l")["c"]["total_ms"]["n"] == 1


def _send(transport, built: loadgen.Built):
    """Hand a pre-built HTTP message to the in-process node, byte for byte."""
    head, _, body = built.raw.partition(b"\r\n\r\n")
    first, *lines = head.decode("latin-1").split("\r\n")
    method, target, _ = first.split(" ")
    skip = {"content-length", "connection", "content-type"}
    headers = {
        name: value.strip()
        for name, _, value in (line.partition(":") for line in lines)
        if name.lower() not in skip
    }
    return transport.send("", method, target, headers, body, 10)


@pytest.fixture
def bench_target(connect, writer):
    api = connect(writer)
    task = task_create(creator=writer, title="Count the shelves")
    target = scenarios.Target(
        "testserver", 80, task.pk, "", "writer", PASSWORD, api.session.session_id, api.session.key
    )
    return api.transport, target, task


@pytest.mark.django_db
def test_a_pre_built_gateway_read_is_answered_and_its_twin_refused_as_a_replay(bench_target):
    transport, target, task = bench_target
    batch = scenarios.scenarios(target)[2].build(2, "bench.c.r0")
    assert len({built.nonce_b64 for built in batch}) == 2
    first = _send(transport, batch[0])
    assert first.status == 200
    plaintext = loadgen.open_sealed(first.status, first.headers, first.body, batch[0])
    assert json.loads(plaintext)["id"] == task.pk
    twin = _send(transport, batch[0])
    assert (twin.status, wire.problem(twin)) == (401, "replayed_nonce")
    assert _send(transport, batch[1]).status == 200


@pytest.mark.django_db
def test_a_pre_built_gateway_write_creates_once_and_its_twin_gets_the_same_answer(bench_target):
    transport, target, _ = bench_target
    built = scenarios.scenarios(target)[3].build(1, "bench.d.r0")[0]
    created = _send(transport, built)
    assert created.status == 201
    body = json.loads(loadgen.open_sealed(created.status, created.headers, created.body, built))
    assert body["title"] == "bench write bench.d.r0 0"
    twin = _send(transport, built)
    assert (twin.status, twin.body) == (201, created.body)
    assert Task.objects.filter(title="bench write bench.d.r0 0").count() == 1


def test_rounds_where_other_programs_took_the_machine_are_left_out_of_the_headline():
    def windows(rps: list[float], others: list[float]) -> dict:
        return {
            "windows": [{"rps": r, "others_share": o} for r, o in zip(rps, others, strict=True)]
        }

    measured = {
        "a": windows([1000, 1000, 500], [0.02, 0.03, 0.02]),
        "b": windows([800, 700, 400], [0.01, 0.40, 0.02]),
        "c": windows([400, 600, 300], [0.05, 0.01, 0.01]),
    }
    quality = measure.round_quality(measured)
    assert quality["quiet_rounds"] == [0, 2]
    assert quality["c_over_b_per_round"] == [0.5, 0.857, 0.75]
    assert measure.median_of(quality["c_over_b_per_round"], quality["quiet_rounds"]) == 0.625
    assert measure.median_of([], []) is None


def test_a_window_stamps_its_requests_ahead_so_none_looks_like_a_resend(bench_target):
    _, target, _ = bench_target
    built = scenarios.scenarios(target)[3].build(1, "bench.d.r0")[0]
    stamp = int(built.raw.split(b"X-Timestamp: ")[1].split(b"\r\n")[0])
    ahead = stamp / 1000 - time.time()
    assert 0 < ahead <= scenarios.TIMESTAMP_LEAD_S


def test_through_the_web_server_the_same_session_is_reached_over_tls(bench_target, tmp_path):
    _, target, _ = bench_target
    web = target.through_web_server(8443, tmp_path / "ca.pem")
    assert (web.url, web.keep_alive, web.session_id) == (
        "https://testserver:8443",
        True,
        target.session_id,
    )
    read = next(s for s in scenarios.scenarios(web, prefix="w") if s.code == "wc")
    assert read.sealed and b"Connection: close" not in read.build(1, "bench.wc.r0")[0].raw


PROFILE = """\
process 1:"gunicorn";run (gunicorn/arbiter.py:1);sleep (gunicorn/arbiter.py:2) 5
process 2:"gunicorn";run (gunicorn/workers/sync.py:3);handle_request (gunicorn/workers/sync.py:4);\
BehindWebServerMiddleware.__call__ (gateway/web_server.py:5);\
RequestLogMiddleware.__call__ (gateway/requestlog.py:6);\
EnvelopeMiddleware.__call__ (gateway/middleware.py:7);\
open_request (gateway/channel.py:8);safe_nonce_first_sight (gateway/replay.py:9) 10
process 2:"gunicorn";handle_request (gunicorn/workers/sync.py:4);\
EnvelopeMiddleware.__call__ (gateway/middleware.py:7);open_request (gateway/channel.py:8);\
open_request (core/crypto/envelope.py:10) 5
process 2:"gunicorn";handle_request (gunicorn/workers/sync.py:4);\
EnvelopeMiddleware.__call__ (gateway/middleware.py:7);open_request (gateway/channel.py:8) 5
process 2:"gunicorn";handle_request (gunicorn/workers/sync.py:4);\
RoutingMiddleware.__call__ (gateway/middleware.py:11);inner (django/core/handlers/exception.py:12);\
BaseHandler._get_response (django/core/handlers/base.py:13) 50
process 2:"gunicorn";handle_request (gunicorn/workers/sync.py:4);\
RoutingMiddleware.__call__ (gateway/middleware.py:11);inner (django/core/handlers/exception.py:12);\
MiddlewareMixin.__call__ (django/utils/deprecation.py:14) 5
process 2:"gunicorn";handle_request (gunicorn/workers/sync.py:4);\
RequestLogMiddleware._record (gateway/requestlog.py:15);\
Histogram.observe (prometheus_client/metrics.py:16) 5
process 2:"gunicorn";handle_request (gunicorn/workers/sync.py:4);\
RequestLogMiddleware._record (gateway/requestlog.py:15);Logger.log (logging/__init__.py:17) 10
process 2:"gunicorn";handle_request (gunicorn/workers/sync.py:4);write (gunicorn/util.py:18) 5
"""


def test_each_sample_of_a_profile_goes_to_exactly_one_layer():
    costs = {row["layer"]: row["us_per_request"] for row in layers.layer_costs(PROFILE, 1000.0)}
    assert costs["nonce check (node-local store)"] == 100.0
    assert costs["envelope crypto (AES-GCM open and seal)"] == 50.0
    assert costs["gateway, the rest"] == 50.0  # channel.open_request itself, not the crypto
    assert costs["the service (DRF view, ORM, serializer)"] == 500.0
    assert costs["Django's middleware under the gateway"] == 50.0
    assert costs["metrics (prometheus-client)"] == 50.0
    assert costs["request log line"] == 100.0
    assert costs["Django's handler and gunicorn's request"] == 50.0
    assert costs[layers.OUTSIDE] == 50.0
    assert sum(costs.values()) == pytest.approx(1000.0)


@pytest.mark.django_db
def test_every_piece_of_a_request_runs_alone_and_is_timed(writer):
    task = task_create(creator=writer, title="Count the shelves")
    found = pieces.measure(
        username=writer.username, task_id=task.pk, timed=pieces.Timer(rounds=1, scale=0.01)
    )
    assert "nonce check (node-local store)" in found
    assert "task read as the service does it (by id, among those the caller may see)" in found
    assert len(found) == 15 and all(value >= 0 for value in found.values())


def test_the_piece_timer_counts_the_cpu_a_call_burns():
    def burn():  # about a millisecond of CPU, whatever else the machine does
        started = time.thread_time()
        while time.thread_time() - started < 0.001:
            pass

    assert 900 <= pieces.Timer(rounds=2)(burn, n=5) <= 5000

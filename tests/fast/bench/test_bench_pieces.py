"""The benchmark's pure pieces: statistics, targets, the generator, pre-built envelopes."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from bench import loadgen, report, scenarios
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
        "request_log": {"c": {"gateway_ms": {"p99": 1.5}}},
        "failover": {"failed_operations": 0, "detection_s": 0.7},
    }
    numbers = report.headline(raw)
    assert numbers["gateway_vs_drf_token_rps_ratio"] == 1.2
    assert numbers["gateway_vs_bare_rps_ratio"] == 0.6
    verdicts = {row["key"]: row["met"] for row in report.evaluate(numbers)}
    assert verdicts["gateway_vs_drf_token_rps_ratio"] is True
    assert verdicts["gateway_vs_bare_rps_ratio"] is False
    assert verdicts["gateway_added_p99_ms"] is False
    assert verdicts["failover_failed_ops"] is True
    assert verdicts["failover_detection_s"] is True
    assert verdicts["login_p50_ms"] is None


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


def test_request_log_figures_take_only_the_measured_requests(tmp_path):
    log = tmp_path / "node.log"
    lines = [
        {"request_id": "bench.c.r0.0000001", "total_ms": 4.0, "gateway_ms": 1.0},
        {"request_id": "bench.c.r1.0000002", "total_ms": 6.0, "gateway_ms": 3.0},
        {"request_id": "bench.c.warm.0000001", "total_ms": 90.0, "gateway_ms": 90.0},
        {"request_id": "bench.c.l0.0000001", "total_ms": 2.0, "gateway_ms": 0.5},
    ]
    log.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n")
    found = scenarios.request_log_figures(log, ["c"])
    assert found["c"]["gateway_ms"]["n"] == 2
    assert found["c"]["gateway_ms"]["p50"] == 2.0
    assert scenarios.request_log_figures(log, ["c"], phase="l")["c"]["total_ms"]["n"] == 1


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
    quality = scenarios.round_quality(measured)
    assert quality["quiet_rounds"] == [0, 2]
    assert quality["c_over_b_per_round"] == [0.5, 0.857, 0.75]
    assert scenarios.median_of(quality["c_over_b_per_round"], quality["quiet_rounds"]) == 0.625
    assert scenarios.median_of([], []) is None

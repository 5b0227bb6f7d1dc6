"""The request log line, the absence of secrets in it, and /metrics."""

from __future__ import annotations

import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from platform_site.logs import JsonLines, NodeContext
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _node_context(caplog):
    """caplog's handler stamps records as the node's own handler does."""
    stamp = NodeContext("A")
    caplog.handler.addFilter(stamp)
    yield
    caplog.handler.removeFilter(stamp)


def formatted(records) -> list[dict]:
    """The records as the node writes them: one JSON object per line."""
    formatter = JsonLines()
    return [json.loads(formatter.format(record)) for record in records]


def test_each_request_logs_one_json_line_with_the_agreed_fields(connect, writer, caplog):
    api = connect(writer)
    with caplog.at_level(logging.INFO):
        response = api.post("/api/v1/task/tasks/", {"title": "Quarterly plan"})
    lines = [
        line
        for line in formatted(caplog.records)
        if line["message"] == "request" and line["path"].startswith("/api/v1/task/")
    ]
    assert len(lines) == 1
    line = lines[0]
    assert line["service"] == "task" and line["status"] == 201 and line["method"] == "POST"
    assert line["node"] == "A" and line["user_id"] == writer.pk
    assert line["path"] == "/api/v1/task/tasks/" and line["outcome"] == "ok"
    assert len(line["session"]) == 12 and line["bytes_in"] > 0 and line["bytes_out"] > 0
    assert line["total_ms"] >= line["gateway_ms"] >= 0
    assert line["request_id"] == response.headers["X-Request-Id"]


def test_a_sane_incoming_request_id_is_kept_and_a_bad_one_replaced(client):
    kept = client.get("/health/", headers={"X-Request-Id": "abc-123-def-456"})
    assert kept["X-Request-Id"] == "abc-123-def-456"
    replaced = client.get("/health/", headers={"X-Request-Id": "bad id\nwith newline"})
    assert (
        replaced["X-Request-Id"] != "bad id\nwith newline" and len(replaced["X-Request-Id"]) == 32
    )


def test_no_log_line_carries_a_password_key_session_id_or_body(connect, writer, caplog):
    with caplog.at_level(logging.DEBUG):
        api = connect(writer)
        api.post("/api/v1/task/tasks/", {"title": "TOP-SECRET-TITLE"})
        api.login("writer", "wrong-Password-123")  # a failed login is logged too
    text = "\n".join(json.dumps(line) for line in formatted(caplog.records))
    import base64

    for secret in (
        PASSWORD,
        "wrong-Password-123",
        api.session.session_id,
        base64.b64encode(api.session.key).decode(),
        api.session.key.hex(),
        "TOP-SECRET-TITLE",
    ):
        assert secret not in text


def test_metrics_parse_as_prometheus_text(client, connect, writer):
    connect(writer).get("/api/v1/task/tasks/")
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(response.content.decode())}
    assert "platform_requests" in families and "platform_active_sessions" in families
    logins = families["platform_logins"].samples
    assert any(s.labels.get("outcome") == "ok" and s.value >= 1 for s in logins)
    samples = families["platform_requests"].samples
    assert any(s.labels.get("service") == "task" and s.value >= 1 for s in samples)
    assert families["platform_active_sessions"].samples[0].value >= 1


def test_metrics_are_refused_from_other_addresses(client):
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 403

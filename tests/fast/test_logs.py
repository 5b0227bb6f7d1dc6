"""The node's one log format (platform_site/logs.py), through the handler Django configured.

The database tier checks a gunicorn node's whole output the same way
(tests/database/test_node_logs.py); here the configured handler's stream is swapped for a
buffer, so what is read is exactly what the node writes on stdout.
"""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from platform_site.logs import JsonLines, NodeContext, OneLinePerRequest

pytestmark = pytest.mark.django_db
RFC3339_UTC_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def node_output():
    """Everything the node's configured log handler writes during the test, line by line."""
    handlers = [h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonLines)]
    assert len(handlers) == 1, "settings.LOGGING must give the root one JSON handler"
    buffer = io.StringIO()
    previous = handlers[0].setStream(buffer)
    yield lambda: buffer.getvalue().splitlines()
    handlers[0].setStream(previous)


def parsed(lines: list[str]) -> list[dict]:
    return [json.loads(line) for line in lines]


def test_each_line_is_json_with_utc_time_level_node_and_the_request_id(
    node_output, connect, writer, client, test_service
):
    api = connect(writer)
    failed = api.get("/api/v1/test/boom")  # a service's bug: logged with its traceback
    refused = client.get("/api/v1/task/tasks/", headers={"X-Request-Id": "probe-refused-1"})
    lines = parsed(node_output())
    assert failed.status == 500 and refused.status_code == 400
    assert lines and all(RFC3339_UTC_MS.match(line["time"]) for line in lines)
    assert {line["node"] for line in lines} == {"A"}
    assert all(line["level"] in ("DEBUG", "INFO", "WARNING", "ERROR") for line in lines)
    for request_id, messages in (
        (failed.headers["X-Request-Id"], ["unhandled exception in a service", "request"]),
        ("probe-refused-1", ["request refused", "request"]),
    ):
        mine = [line["message"] for line in lines if line.get("request_id") == request_id]
        assert mine == messages
    bug = [line for line in lines if line["message"] == "unhandled exception in a service"]
    assert len(bug) == 1 and "a bug in a service" in bug[0]["exc_info"]
    assert bug[0]["request_id"] == failed.headers["X-Request-Id"]


def test_a_4xx_or_5xx_answer_is_one_line_not_two(node_output, connect, writer, test_service):
    api = connect(writer)
    missing = api.get("/api/v1/task/tasks/999999999/")
    failed = api.get("/api/v1/test/boom")
    lines = parsed(node_output())
    assert (missing.status, failed.status) == (404, 500)
    # Django logs its line after the outermost middleware: it would carry no request id.
    assert [line for line in lines if line["logger"] == "django.request"] == []
    for answer in (missing, failed):
        mine = [line for line in lines if line.get("request_id") == answer.headers["X-Request-Id"]]
        assert [line["status"] for line in mine if line["message"] == "request"] == [answer.status]


def test_lines_outside_a_request_carry_no_request_id(node_output):
    logging.getLogger("platform.test").warning("between requests", extra={"n": 1})
    (line,) = parsed(node_output())
    assert "request_id" not in line and line["node"] == "A" and line["n"] == 1
    assert (line["logger"], line["level"], line["message"]) == (
        "platform.test",
        "WARNING",
        "between requests",
    )


def record(name: str = "platform.test", **fields) -> logging.LogRecord:
    made = logging.LogRecord(name, logging.INFO, __file__, 1, "message", None, None)
    made.__dict__.update(fields)
    NodeContext("B").filter(made)
    return made


def test_time_is_rfc3339_utc_with_milliseconds():
    line = json.loads(JsonLines().format(record(created=1796147527.1679, msecs=167.9)))
    assert line["time"] == "2026-12-01T17:52:07.167Z"


def test_djangos_repeat_of_an_answer_is_dropped_but_an_unlogged_traceback_kept():
    keep = OneLinePerRequest()
    assert not keep.filter(record("django.request", exc_info=None))
    assert keep.filter(record("django.request", exc_info=(ValueError, ValueError(), None)))


def test_djangos_request_object_never_reaches_a_line():
    """Its repr holds the query string, which the platform never logs."""
    line = json.loads(JsonLines().format(record(request="<WSGIRequest: GET '/x?token=s3'>")))
    assert "s3" not in json.dumps(line)


def test_gunicorns_access_line_has_fields_and_the_path_without_its_query():
    atoms = {
        "h": "10.1.2.3",
        "m": "GET",
        "U": "/api/v1/task/tasks/",
        "q": "secret=1",
        "r": "GET /api/v1/task/tasks/?secret=1 HTTP/1.1",
        "s": "200",
        "B": 512,
        "D": 12345,
        "a": "desktop/1.0",
        "{x-request-id}o": "req-12345678",
    }
    made = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "access", (), None)
    made.args = atoms
    NodeContext("A").filter(made)
    line = json.loads(JsonLines().format(made))
    assert line["request_id"] == "req-12345678" and line["path"] == "/api/v1/task/tasks/"
    assert (line["status"], line["bytes_out"], line["total_ms"]) == (200, 512, 12.345)
    assert "secret" not in json.dumps(line)


def test_gunicorns_config_sends_its_error_and_access_logs_through_the_same_handler():
    from platform_site.logs import gunicorn_logging_config

    config = gunicorn_logging_config(level="INFO", node="A", access_log=False)
    for name in ("gunicorn.error", "gunicorn.access"):
        assert config["loggers"][name]["handlers"] == [] and config["loggers"][name]["propagate"]
    assert config["loggers"]["gunicorn.access"]["level"] == "WARNING"
    assert config["handlers"]["stdout"]["stream"] == "ext://sys.stdout"
    on = gunicorn_logging_config(level="INFO", node="A", access_log=True)
    assert on["loggers"]["gunicorn.access"]["level"] == "INFO"

"""A gunicorn node's whole output on MariaDB, start to stop: JSON on every line.

What a log shipper reads is the node's stdout and stderr (`node.log` here): gunicorn's
master and workers, Django, the platform. Every line must parse as one JSON object with
an RFC 3339 UTC time, a level and the node; every line written while a request was
served carries that request's id (the one answered in X-Request-Id); an answer is
logged once by the platform, not again by Django.
"""

from __future__ import annotations

import json
import re

import requests

from tests.database.conftest import live_client

RFC3339_UTC_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
# Loggers that only ever write while serving a request.
REQUEST_LOGGERS = {"platform.request", "platform.gateway", "gunicorn.access", "django.security"}


def drive(node) -> dict[str, str]:
    """Requests of every kind; returns what each was answered, by request id."""
    api = live_client(node.url)
    answers = {}
    for name, response in (
        ("read", api.get("/api/v1/task/tasks/")),
        ("missing", api.get("/api/v1/task/tasks/999999999/")),
        ("bug", api.get("/api/v1/test/boom")),
    ):
        answers[response.headers["X-Request-Id"]] = name
    plain = {
        "refused": ("/api/v1/task/tasks/", {}),
        "foreign-host": ("/health/", {"Host": "evil.example"}),
        "health": ("/health/", {}),
        "metrics": ("/metrics", {}),
    }
    for name, (path, headers) in plain.items():
        request_id = f"probe-{name}-0001"
        response = requests.get(
            node.url + path, headers={**headers, "X-Request-Id": request_id}, timeout=30
        )
        assert response.status_code < 500, (name, response.status_code)
        answers[request_id] = name
    return answers


def test_every_line_a_node_writes_is_json_with_time_level_node_and_its_request(start_node):
    node = start_node(workers=2, env={"GUNICORN_ACCESS_LOG": "on"})
    answers = drive(node)
    node.stop()  # the shutdown lines too
    raw = node.log_path.read_text().splitlines()
    lines = [json.loads(line) for line in raw]  # any plain-text line fails here
    assert len(lines) > 20 and all(isinstance(line, dict) for line in lines)
    for line in lines:
        assert RFC3339_UTC_MS.match(line["time"]), line
        assert line["level"] in LEVELS and line["node"] == "A", line
        assert line["logger"] and "message" in line, line
        if line["logger"] in REQUEST_LOGGERS:
            assert line.get("request_id"), line
    by_id = {}
    for line in lines:
        by_id.setdefault(line.get("request_id"), []).append(line)
    for request_id, name in answers.items():
        mine = {(line["logger"], line["message"]) for line in by_id.get(request_id, [])}
        # A passing load-balancer check is logged at DEBUG (twice a second per balancer).
        assert ("platform.request", "request") in mine or name == "health", name
        assert ("gunicorn.access", "access") in mine, name
    bug = next(rid for rid, name in answers.items() if name == "bug")
    traceback = [
        line for line in by_id[bug] if line["message"] == "unhandled exception in a service"
    ]
    assert len(traceback) == 1 and "a bug in a service" in traceback[0]["exc_info"]
    host = by_id["probe-foreign-host-0001"]
    assert any(line["logger"].startswith("django.security") for line in host)
    # Each answer once: Django's repeat of a 4xx/5xx is not written.
    assert not [line for line in lines if line["logger"] == "django.request"]
    gunicorn = {
        line["message"].split(":")[0] for line in lines if line["logger"] == "gunicorn.error"
    }
    assert {"Booting worker with pid", "Shutting down"} <= gunicorn


def test_without_the_access_log_a_request_is_one_line(start_node):
    node = start_node(workers=1)
    answers = drive(node)
    node.stop()
    lines = [json.loads(line) for line in node.log_path.read_text().splitlines()]
    assert not [line for line in lines if line["logger"] == "gunicorn.access"]
    for request_id, name in answers.items():
        mine = [line for line in lines if line.get("request_id") == request_id]
        assert [line["message"] for line in mine].count("request") == int(name != "health")

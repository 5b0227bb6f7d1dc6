"""Gunicorn nodes on real MariaDB: sessions across processes, route propagation, timeouts."""

from __future__ import annotations

import time

import requests

from tests.database.conftest import live_client


class FreshConnections:
    """A transport opening a new TCP connection per request, so workers take turns."""

    def send(self, base_url, method, path_and_query, headers, body, timeout):
        from client.transport import RawResponse

        with requests.Session() as session:
            response = session.request(
                method, base_url + path_and_query, headers=headers, data=body, timeout=timeout
            )
        return RawResponse(response.status_code, dict(response.headers), response.content)


def test_a_session_made_on_one_process_is_served_by_another(start_node):
    first, second = start_node(workers=1, name="one"), start_node(workers=1, name="two")
    api = live_client(first.url)
    api.base_urls = [second.url]
    assert api.get("/api/v1/credential/me").data["user"]["username"] == "alice"


def test_a_route_change_reaches_every_worker_within_one_second(start_node):
    node = start_node(workers=3)
    api = live_client(node.url)
    api.transport = FreshConnections()
    assert api.get("/api/v1/task/tasks/").status == 200
    node.manage("routes", "maintenance", "task", "--message", "Moving racks")
    changed = time.monotonic()
    first_seen = None
    while time.monotonic() - changed < 1.0:
        if api.get("/api/v1/task/tasks/").code == "maintenance" and first_seen is None:
            first_seen = time.monotonic() - changed
    answers = [api.get("/api/v1/task/tasks/") for _ in range(24)]
    node.manage("routes", "maintenance", "task", "--off")
    assert first_seen is not None
    assert {(a.status, a.code) for a in answers} == {(503, "maintenance")}
    assert {a.data["detail"] for a in answers} == {"Moving racks"}
    assert api.get("/api/v1/credential/me").status == 200


def test_a_runaway_query_is_stopped_by_the_service_statement_timeout(start_node):
    node = start_node(workers=1)
    api = live_client(node.url)
    started = time.monotonic()
    response = api.get("/api/v1/test/slow", {"seconds": 20})
    elapsed = time.monotonic() - started
    assert (response.status, response.code, response.encrypted) == (504, "statement_timeout", True)
    assert elapsed < 10  # the query was cut, not left to run its 20 s
    assert api.get("/api/v1/test/echo").status == 200
    assert api.get("/api/v1/task/tasks/").status == 200

"""One gunicorn node with several workers on real MariaDB: replays and revocations hold
across all of them at once (docs/PROTOCOL.md, Replay and Session rules)."""

from __future__ import annotations

import threading

from client import PlatformClient, RequestsTransport
from tests.database.conftest import LIVE_PASSWORD, live_client
from tests.database.test_live_node import FreshConnections
from tests.support import wire

WORKERS = 4


def send(url: str, request: wire.WireRequest):
    return FreshConnections().send(
        url, request.method, request.target, request.headers, request.body, 10
    )


def test_a_replayed_get_is_refused_by_every_worker_of_the_node(start_node):
    node = start_node(workers=WORKERS)
    api = live_client(node.url)
    request = wire.seal(key=api.session.key, session_id=api.session.session_id)
    answers = [send(node.url, request) for _ in range(20)]  # a new connection each: any worker
    assert answers[0].status == 200
    assert {(a.status, wire.problem(a)) for a in answers[1:]} == {(401, "replayed_nonce")}


def test_a_replayed_get_to_another_node_is_answered_sealed_and_changes_nothing(start_node):
    first, second = start_node(workers=1, name="one"), start_node(workers=1, name="two")
    api = live_client(first.url)
    request = wire.seal(
        key=api.session.key, session_id=api.session.session_id, path="/api/v1/task/tasks/"
    )
    before = api.get("/api/v1/task/tasks/").data["count"]
    assert send(first.url, request).status == 200
    replay = send(second.url, request)
    assert replay.status == 200 and "X-Tag" in replay.headers  # readable only with the key
    assert api.get("/api/v1/task/tasks/").data["count"] == before


def test_one_post_sent_eight_times_at_once_is_applied_once_with_one_answer(start_node):
    node = start_node(workers=WORKERS)
    api = live_client(node.url)
    request = wire.seal(
        key=api.session.key,
        session_id=api.session.session_id,
        method="POST",
        path="/api/v1/task/tasks/",
        payload={"title": "sent eight times"},
    )
    barrier, answers = threading.Barrier(8), []

    def post():
        barrier.wait()
        answers.append(send(node.url, request))

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(answers) == 8 and {a.status for a in answers} == {201}
    assert len({a.body for a in answers}) == 1  # the one answer, sealed once
    listed = api.get("/api/v1/task/tasks/", {"q": "sent eight times"}).data
    assert listed["count"] == 1


def test_after_logout_the_next_request_is_refused_on_every_worker(start_node):
    node = start_node(workers=WORKERS)
    accepted_after_logout = 0
    for _ in range(200):
        api = PlatformClient(node.url, transport=RequestsTransport(), retries=0)
        assert api.login("alice", LIVE_PASSWORD).status == 200
        state = api.session
        warm = FreshConnections()
        for _ in range(2 * WORKERS):  # every worker caches the live session
            request = wire.seal(key=state.key, session_id=state.session_id)
            assert (
                warm.send(node.url, "GET", request.target, request.headers, b"", 10).status == 200
            )
        assert api.logout().status == 200
        for _ in range(WORKERS):
            request = wire.seal(key=state.key, session_id=state.session_id)
            answer = warm.send(node.url, "GET", request.target, request.headers, b"", 10)
            accepted_after_logout += answer.status != 401
        api.close()
    assert accepted_after_logout == 0

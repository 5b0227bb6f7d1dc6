"""Safe methods change nothing: every GET, HEAD and OPTIONS route of every service, on a
seeded node, runs without a single write to the database.

The replay rule relies on it (docs/PROTOCOL.md §7): a safe request's nonce is checked on
its node only and never made durable, which is sound only while safe requests write
nothing a replay could repeat. The one write allowed is the session's last-seen touch.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection

from core import registry
from demo.people import create_people
from tests.conftest import PASSWORD
from tests.fast.fuzz.test_endpoint_fuzz import endpoint_table, seed_everything

pytestmark = pytest.mark.django_db
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
# The session's last-seen time, written at most once a minute (credential/sessions.py).
ALLOWED = re.compile(r'^\s*UPDATE\s+"credential_session"\s+SET\s+"last_seen_at"', re.IGNORECASE)
SAFE = ("GET", "HEAD", "OPTIONS")


class WriteRecorder:
    def __init__(self) -> None:
        self.writes: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        if WRITE.match(sql) and not ALLOWED.match(sql):
            self.writes.append(sql.split(" WHERE ")[0][:160])
        return execute(sql, params, many, context)


def _path(route: str, pks: dict[str, list[int]]) -> str:
    """Fill a route's <int:x_id> from the seeded rows of a model named like it."""

    def fill(match):
        name = match.group(1).removesuffix("_id").replace("_", "")
        for model, values in pks.items():
            if model.replace("_", "") == name and values:
                return str(values[0])
        return next((str(v[0]) for v in pks.values() if v), "1")

    return re.sub(
        r"<int:(\w+)>", fill, re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-0000000000aa", route)
    )


def test_no_safe_request_to_any_service_writes_to_the_database(connect, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    people, _ = create_people(password=PASSWORD)
    seed_everything(people)
    api = connect(people["admin"])
    pks = {
        config.code: {
            m._meta.model_name: list(m._base_manager.values_list("pk", flat=True)[:1])
            for m in config.get_models()
        }
        for config in registry.services()
    }
    recorder, tried = WriteRecorder(), []
    routes = {(e.service, e.route) for e in endpoint_table()}
    with connection.execute_wrapper(recorder):
        for service, route in sorted(routes):
            path = f"/api/v1/{service}/{_path(route, pks.get(service, {}))}"
            if path in registry.public_paths():
                continue  # plain, outside the envelope (the public keys)
            for method in SAFE:
                answer = api.request(method, path)
                tried.append((method, path, answer.status))
                assert answer.status < 500, (method, path, answer.status)
    assert recorder.writes == [], recorder.writes
    services = {path.split("/")[3] for _, path, _ in tried}
    assert services == {config.code for config in registry.services()}
    assert sum(1 for _, _, status in tried if status == 200) > len(routes)  # real answers
    # And the recorder does see a write when there is one.
    check = WriteRecorder()
    with connection.execute_wrapper(check):
        assert api.post("/api/v1/task/tasks/", {"title": "a write"}).status == 201
    assert any("task_task" in sql for sql in check.writes), check.writes

"""Secrets never leak: a scripted day on a node, everything it left behind, scanned.

The scenario uses known secrets (passwords, the session id and key, a marker inside
request bodies) and walks through what a node sees: a login, failed logins, requests to
several services, a replay, a tampered tag, a stale timestamp, an unknown session, a 404,
a 500, a logout, and an admin looking at sessions. It captures every log record (all
levels, formatted by the project's JSON formatter), every audit event, login attempt and
route change row, every answer as it went over the wire and every admin page, and looks
in all of it for each secret in every spelling (raw, hex, base64).

A second test checks the committed files: no private key but the published test-only
vector key, and no env-file line that sets SECRET_KEY or PLATFORM_MASTER_KEY to a value.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core import serializers
from django.utils.module_loading import import_string

from client import PlatformClient
from core.crypto.atrest import private_key_to_der
from credential.models import AuditEvent, LoginAttempt, Session
from credential.sessions import hash_session_id
from gateway.models import RouteChange
from services.task.models import Task
from tests.support import wire
from tests.support.transport import InProcessTransport

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]
USER_PASSWORD = "Correct-Horse-9-battery-\u00e9t\u00e9"
WRONG_PASSWORD = "Wrong-Guess-31-staple"
STRANGER_PASSWORD = "Nobody-Has-This-77"
ADMIN_PASSWORD = "Admin-Only-5-lantern-fog"
MARKER = "PLAINTEXT-MARKER-" + secrets.token_hex(8)


class RecordingTransport(InProcessTransport):
    """Keeps every answer exactly as it came back over the (in-process) wire."""

    def __init__(self) -> None:
        super().__init__()
        self.answers = []

    def send(self, *args, **kwargs):
        raw = super().send(*args, **kwargs)
        self.answers.append(raw)
        return raw


class Records(logging.Handler):
    """Every record of every logger, formatted as the node formats it in production."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        spec = dict(settings.LOGGING["formatters"]["json"])
        self.setFormatter(import_string(spec.pop("()"))(**spec))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def records():
    handler, root = Records(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def binary_forms(raw: bytes) -> list[bytes]:
    return [
        raw,
        raw.hex().encode(),
        raw.hex().upper().encode(),
        base64.b64encode(raw),
        base64.urlsafe_b64encode(raw).rstrip(b"="),
    ]


def text_forms(text: str) -> list[bytes]:
    return [text.encode(), json.dumps(text)[1:-1].encode(), repr(text)[1:-1].encode()]


def private_key_forms(private_key) -> list[bytes]:
    """Pieces of the server private key that no public material shares."""
    der = private_key_to_der(private_key)
    numbers = private_key.private_numbers()
    b64 = base64.b64encode(der)
    middle = b64[len(b64) // 2 : len(b64) // 2 + 48]
    return [
        der[200:264],
        der[200:264].hex().encode(),
        middle,
        *(format(n, "x").encode() for n in (numbers.d, numbers.p, numbers.q)),
        *(str(n).encode() for n in (numbers.d, numbers.p, numbers.q)),
        b"PRIVATE KEY-----",
    ]


@pytest.fixture
def people(make_user, django_user_model):
    grants = {code: ("read", "write") for code in ("task", "notice", "message", "directory")}
    alice = make_user("alice", grants={**grants, "test": ("read", "write")})
    alice.set_password(USER_PASSWORD)
    alice.save()
    bob = make_user("bob", grants=grants)
    root = django_user_model.objects.create_superuser("root", password=ADMIN_PASSWORD)
    return alice, bob, root


def _client(server_key, transport) -> PlatformClient:
    return PlatformClient(
        "http://testserver",
        pinned_fingerprints=[server_key.fingerprint_sha256],
        transport=transport,
        retries=0,
    )


def run_scenario(server_key, people, client) -> dict:
    """The scripted day; returns what a scan needs besides the captured output."""
    bob = people[1]
    transport = RecordingTransport()
    api = _client(server_key, transport)
    assert api.login("alice", WRONG_PASSWORD).status == 401
    assert _client(server_key, transport).login("stranger", STRANGER_PASSWORD).status == 401
    assert api.login("alice", USER_PASSWORD, {"app": "desk", "machine": "PC-7"}).status == 200
    session_id, key = api.session.session_id, api.session.key

    task = api.post("/api/v1/task/tasks/", {"title": MARKER, "description": MARKER})
    assert task.status == 201
    assert api.get("/api/v1/task/tasks/", {"q": MARKER}).status == 200
    assert api.post("/api/v1/notice/notices/", {"title": MARKER, "body": MARKER}).status == 201
    sent = api.post(
        "/api/v1/message/messages/", {"recipients": [bob.pk], "subject": MARKER, "body": MARKER}
    )
    assert sent.status == 201, sent.data
    assert api.post("/api/v1/test/echo", {"note": MARKER}).status == 200
    assert api.get("/api/v1/directory/people/", {"q": MARKER}).status == 200

    assert wire.problem(transport.replay()) == "replayed_nonce"
    tampered = wire.seal(
        key=key,
        session_id=session_id,
        method="POST",
        path="/api/v1/test/echo",
        payload={"note": MARKER},
    )
    tag = bytearray(base64.b64decode(tampered.headers["X-Tag"]))
    tag[0] ^= 1
    tampered.headers["X-Tag"] = base64.b64encode(bytes(tag)).decode()
    assert wire.problem(wire.send(transport, tampered)) == "decrypt_failed"
    stale = wire.seal(key=key, session_id=session_id, timestamp=1_600_000_000_000)
    assert wire.problem(wire.send(transport, stale)) == "stale_timestamp"
    unknown = wire.seal(key=key, session_id=secrets.token_urlsafe(32), payload=None)
    assert wire.problem(wire.send(transport, unknown)) == "session_invalid"

    assert api.get("/api/v1/task/tasks/987654321/").status == 404
    assert api.get("/api/v1/test/boom").status == 500
    assert api.post("/api/v1/test/boom", {"note": MARKER}).status == 500
    assert api.logout().status == 200
    after = wire.seal(key=key, session_id=session_id)
    assert wire.problem(wire.send(transport, after)) == "session_invalid"

    pages = _admin_pages(client, session_id)
    return {"session_id": session_id, "key": key, "answers": transport.answers, "pages": pages}


def _admin_pages(client, session_id: str) -> list:
    login = client.post(
        "/admin/login/?next=/admin/",
        {"username": "root", "password": ADMIN_PASSWORD},
        secure=True,
    )
    assert login.status_code == 302, login.content[:500]
    session = Session.objects.get(id_hash=hash_session_id(session_id))
    urls = [
        "/admin/credential/session/",
        f"/admin/credential/session/{session.pk}/change/",
        "/admin/credential/auditevent/",
        "/admin/credential/loginattempt/",
        "/admin/credential/serverkey/",
    ]
    pages = [login]
    for url in urls:
        page = client.get(url, secure=True)
        assert page.status_code == 200, url
        pages.append(page)
    return pages


def _wire_text(raw) -> bytes:
    headers = "\n".join(f"{k}: {v}" for k, v in raw.headers.items())
    return headers.encode("utf-8", "surrogatepass") + b"\n" + raw.body


def _page_text(page) -> bytes:
    headers = "\n".join(f"{k}: {v}" for k, v in page.items())
    cookies = "\n".join(morsel.OutputString() for morsel in page.cookies.values())
    return f"{headers}\n{cookies}\n".encode() + page.content


def test_no_secret_reaches_a_log_a_trail_or_an_answer(
    server_key, rsa_private_key, people, client, records, test_service
):
    outcome = run_scenario(server_key, people, client)
    session_id, key = outcome["session_id"], outcome["key"]

    haystacks = {
        "log": [line.encode("utf-8", "surrogatepass") for line in records.lines],
        "audit event": [_rows(AuditEvent)],
        "login attempt": [_rows(LoginAttempt)],
        "route change": [_rows(RouteChange)],
        "admin log": [_rows(LogEntry)],
        "api answer": [_wire_text(raw) for raw in outcome["answers"]],
        "admin page": [_page_text(page) for page in outcome["pages"]],
    }
    needles = {
        "user password": text_forms(USER_PASSWORD),
        "wrong password": text_forms(WRONG_PASSWORD),
        "stranger's password": text_forms(STRANGER_PASSWORD),
        "admin password": text_forms(ADMIN_PASSWORD),
        "session id": text_forms(session_id),
        "session id hash (full)": [hash_session_id(session_id).encode()],
        "session key": binary_forms(key),
        "master key": binary_forms(settings.PLATFORM_MASTER_KEY),
        "server private key": private_key_forms(rsa_private_key),
        "SECRET_KEY": text_forms(settings.SECRET_KEY),
        "request plaintext": text_forms(MARKER),
    }
    found = [
        f"{secret} in {where}"
        for where, texts in haystacks.items()
        for secret, forms in needles.items()
        if any(form in text for text in texts for form in forms)
    ]
    assert not found, found

    # The scan looked at a real day, not at an empty one, and can see what it looks for.
    assert MARKER.encode() in _rows(Task)
    short_ref = hash_session_id(session_id)[:12]
    assert any(short_ref in line for line in records.lines)
    kinds = set(AuditEvent.objects.values_list("kind", flat=True))
    assert {"login_ok", "login_failed", "replay", "decrypt_failed", "logout"} <= kinds
    assert LoginAttempt.objects.filter(succeeded=False).count() == 2
    assert any('"level": "ERROR"' in line and "Traceback" in line for line in records.lines)
    assert len(outcome["answers"]) >= 15 and len(records.lines) > 20


def _rows(model) -> bytes:
    return serializers.serialize("json", model.objects.all()).encode()


# The committed files ---------------------------------------------------------------------

# The published, test-only key of docs/protocol-test-vectors.json (see docs/PROTOCOL.md).
PUBLISHED_TEST_KEY_FILES = {"docs/protocol-test-vectors.json", "client/test_vector_key.py"}
PRIVATE_KEY_PEM = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----\s*[A-Za-z0-9+/]{40}")
ENV_SECRET_LINE = re.compile(
    rb"^\s*(?:export\s+)?(?:SECRET_KEY|PLATFORM_MASTER_KEY)=['\"]?[^'\"\s$<{#]", re.MULTILINE
)
MASTER_KEY_LITERAL = re.compile(rb"PLATFORM_MASTER_KEY\W{1,5}[A-Za-z0-9+/]{43}=")


def _repository_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    return sorted({name.decode() for name in listed.split(b"\0") if name})


def test_the_repository_holds_no_private_key_or_secret_value():
    findings = []
    files = _repository_files()
    assert len(files) > 100
    for name in files:
        path = ROOT / name
        if not path.is_file():
            continue
        content = path.read_bytes()
        if name not in PUBLISHED_TEST_KEY_FILES and PRIVATE_KEY_PEM.search(content):
            findings.append(f"{name}: a private key")
        for pattern in (ENV_SECRET_LINE, MASTER_KEY_LITERAL):
            for match in pattern.finditer(content):
                findings.append(f"{name}: {match.group().strip()[:40].decode(errors='replace')}…")
    assert not findings, findings


def test_the_published_test_key_is_the_only_key_and_is_marked_test_only():
    vectors = json.loads((ROOT / "docs/protocol-test-vectors.json").read_text())
    flat = json.dumps(vectors)
    assert "test_only_private_key_pem" in flat
    assert "TEST ONLY" in (ROOT / "client/test_vector_key.py").read_text().upper().replace("-", " ")

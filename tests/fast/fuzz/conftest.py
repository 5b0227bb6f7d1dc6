"""The fuzz folder's plugin: one probe that sends each hostile request and checks it.

For every request the probe checks the three properties of the fuzz tests and counts it:
never a 5xx (an exception escaping to the test client counts as one), never a partial
write (a 4xx leaves every table as it found it, but for the append-only trails a refusal
writes on purpose), never a secret in the answer (headers and the decrypted body).

A violation is recorded and ends its example, and the run goes on, so one bug does not
hide the next and a `make fuzz` run always sends all its cases; `probe.assert_clean()`
then fails the test with the first request of each distinct failure and its traceback.
At the end of the run the plugin prints `fuzz: N hostile cases, S server errors,
W partial writes` and writes the same, with every distinct finding, to
var/test-artifacts/fuzz-summary.json.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import time
import traceback
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Count, Max, Sum

from client import crypto
from client.errors import ProtocolError
from credential.sessions import forget_cached_sessions
from gateway.routing import routes
from tests.fast.fuzz.strategies import PROFILE
from tests.support import wire

SUMMARY = Path(__file__).resolve().parents[3] / "var" / "test-artifacts" / "fuzz-summary.json"
# Rows a refused request writes on purpose: the nonce claim, the audit trail, login attempts.
EXEMPT_TABLES = {"replication.requestrecord", "credential.auditevent", "credential.loginattempt"}
FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\w+)')


def _signature(kind: str, text: str) -> str:
    """A failure's identity: where its traceback leaves project code, and its last line."""
    frames = [f for f in FRAME.findall(text) if "/site-packages/" not in f[0]]
    where = f"{Path(frames[-1][0]).name}:{frames[-1][1]} {frames[-1][2]} " if frames else ""
    last = text.strip().splitlines()[-1][:160] if text.strip() else ""
    return f"{kind}: {where}{last}".strip()


@dataclass
class Tally:
    cases: int = 0
    requests: int = 0
    server_errors: int = 0
    partial_writes: int = 0
    leaks: int = 0
    started: float = field(default_factory=time.monotonic)
    by_test: Counter = field(default_factory=Counter)
    answers: Counter = field(default_factory=Counter)
    findings: dict = field(default_factory=dict)


TALLY = Tally()


class Finding(Exception):
    """A property failed; recorded by the probe, it ends the current example only."""


def _tracked_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.label_lower not in EXEMPT_TABLES and not model._meta.proxy
    ]


def snapshot() -> dict:
    """Per table: row count, and the sum of versions and newest update where it has them."""
    out = {}
    for model in _tracked_models():
        names = {f.name for f in model._meta.concrete_fields}
        aggregates = {"n": Count("pk")}
        if "version" in names:
            aggregates["v"] = Sum("version")
        if "updated_at" in names:
            aggregates["t"] = Max("updated_at")
        out[model._meta.label_lower] = tuple(model._base_manager.aggregate(**aggregates).values())
    return out


def secret_forms(raw: bytes) -> list[bytes]:
    """A binary secret as it could appear in text: raw, hex (both cases), base64 (both)."""
    return [
        raw,
        raw.hex().encode(),
        raw.hex().upper().encode(),
        base64.b64encode(raw),
        base64.urlsafe_b64encode(raw).rstrip(b"="),
    ]


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes  # the plaintext: decrypted when the answer was sealed
    sealed: bool

    @property
    def code(self) -> str | None:
        try:
            data = json.loads(self.body)
        except ValueError:
            return None
        return data.get("code") if isinstance(data, dict) else None


class _Records(logging.Handler):
    """The log records of one request, for the traceback of a 5xx."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def tracebacks(self) -> str:
        formatter = logging.Formatter()
        return "\n".join(
            f"{r.name}: {r.getMessage()}\n{formatter.formatException(r.exc_info)}"
            for r in self.records
            if r.exc_info
        )


class Probe:
    """Sends hostile requests, checks the fuzz properties on every answer, keeps findings."""

    def __init__(self, test_name: str, tally: Tally = TALLY) -> None:
        self.test_name, self.tally = test_name, tally
        self.findings: dict[str, dict] = {}
        self.secrets: dict[str, bytes] = {}
        self.add_secret("master key", django_settings.PLATFORM_MASTER_KEY)
        self.secrets["SECRET_KEY"] = django_settings.SECRET_KEY.encode()

    def add_secret(self, name: str, raw: bytes) -> None:
        for index, form in enumerate(secret_forms(raw)):
            self.secrets[f"{name} ({index})"] = form

    def add_text_secret(self, name: str, text: str) -> None:
        self.secrets[name] = text.encode()
        self.secrets[f"{name} (json)"] = json.dumps(text)[1:-1].encode()

    @contextmanager
    def example(self):
        """One Hypothesis example: whatever it writes is rolled back when it ends.

        Circuit breakers start closed, so one example's 5xx does not turn the next ones
        into 503s, and no session stays cached from rows the last rollback undid (in
        production a committed revocation is never rolled back under the cache). A
        recorded finding ends the example quietly; the test reports it.
        """
        routes.breakers.clear()
        forget_cached_sessions()
        try:
            with transaction.atomic():
                yield
                transaction.set_rollback(True)
        except Finding:
            pass

    def count_call(self) -> None:
        """A hostile case that calls a pure function rather than the server."""
        self.tally.cases += 1
        self.tally.by_test[self.test_name] += 1

    def send(self, transport, request: wire.WireRequest, *, plaintext: bytes = b"") -> Answer:
        """Send `request` (whose plaintext was `plaintext`) and check the answer."""
        self.count_call()
        self.tally.requests += 1
        described = _describe(request, plaintext)
        before = snapshot()
        records, root = _Records(), logging.getLogger()
        root.addHandler(records)
        try:
            raw = wire.send(transport, request)
        except Exception as exc:  # the test client re-raises what the server did not handle
            self.tally.server_errors += 1
            self._found("exception", "".join(traceback.format_exception(exc)), described)
        finally:
            root.removeHandler(records)
        answer = _open(raw, request)
        self.tally.answers[f"{answer.status} {answer.code or ''}".strip()] += 1
        if answer.status >= 500:
            self.tally.server_errors += 1
            body = answer.body[:300].decode("utf-8", "replace")
            self._found(f"{answer.status}", records.tracebacks() or body, described)
        if 400 <= answer.status < 500:
            changed = {k: v for k, v in snapshot().items() if before[k] != v}
            if changed:
                self.tally.partial_writes += 1
                text = f"{answer.status} {answer.code} but wrote {sorted(changed)}"
                self._found("partial write", text, described)
        leaked = self._leaked(answer)
        if leaked:
            self.tally.leaks += 1
            self._found("secret in the answer", f"{answer.status} carries {leaked}", described)
        return answer

    def _leaked(self, answer: Answer) -> list[str]:
        text = answer.body + b"\n".join(
            f"{k}: {v}".encode("utf-8", "surrogatepass") for k, v in answer.headers.items()
        )
        return [name for name, secret in self.secrets.items() if secret and secret in text]

    def _found(self, kind: str, text: str, described: str):
        key = _signature(kind, text)
        for book in (self.findings, self.tally.findings):
            entry = book.setdefault(
                key, {"count": 0, "test": self.test_name, "request": described, "trace": text}
            )
            entry["count"] += 1
        raise Finding(key)

    def assert_clean(self) -> None:
        """Fail the test with each distinct finding: its first request and traceback."""
        if self.findings:
            report = "\n\n".join(
                f"{key} (x{entry['count']})\n  first: {entry['request']}\n{entry['trace'][-3000:]}"
                for key, entry in self.findings.items()
            )
            pytest.fail(f"{len(self.findings)} distinct fuzz finding(s):\n\n{report}")


def _open(raw, request: wire.WireRequest) -> Answer:
    headers = dict(raw.headers)
    if "X-Tag" not in headers:
        return Answer(raw.status, headers, raw.body, sealed=False)
    if request.method.upper() == "HEAD":
        # HTTP drops a HEAD answer's body, and with it what the tag covers (see
        # test_regression_a_head_answer_can_be_authenticated).
        return Answer(raw.status, headers, b"", sealed=True)
    try:
        plaintext = crypto.open_response(
            key=request.key,
            status=raw.status,
            request_nonce_b64=request.headers.get("X-Nonce", ""),
            content_type=headers.get("X-Content-Type", ""),
            nonce_b64=headers.get("X-Nonce"),
            tag_b64=headers.get("X-Tag"),
            ciphertext=raw.body,
        )
    except ProtocolError as exc:
        raise AssertionError(f"a sealed answer did not authenticate: {exc}") from None
    return Answer(raw.status, headers, plaintext, sealed=True)


def _describe(request: wire.WireRequest, plaintext: bytes) -> str:
    headers = {k: v if len(v) <= 60 else f"{v[:60]}…({len(v)})" for k, v in request.headers.items()}
    shown = plaintext[:300] + (
        f"…({len(plaintext)} bytes)".encode() if len(plaintext) > 300 else b""
    )
    return f"{request.method} {request.target[:300]!r} {headers} plaintext={shown!r}"


@pytest.fixture
def probe(request, settings):
    # The limits are tested elsewhere; a fuzz run sends far more than any client would.
    settings.GATEWAY_ADDRESS_RATE_PER_SECOND = 0
    settings.GATEWAY_SESSION_RATE_PER_SECOND = 0
    return Probe(request.node.nodeid)


@pytest.fixture
def probe_off_the_record(request, settings):
    """A probe whose findings stay out of the run's tally (for testing the probe itself)."""
    settings.GATEWAY_ADDRESS_RATE_PER_SECOND = 0
    settings.GATEWAY_SESSION_RATE_PER_SECOND = 0
    return Probe(request.node.nodeid, tally=Tally())


def pytest_terminal_summary(terminalreporter):
    if not TALLY.cases:
        return
    line = (
        f"fuzz: {TALLY.cases} hostile cases, {TALLY.server_errors} server errors, "
        f"{TALLY.partial_writes} partial writes"
    )
    terminalreporter.write_line(line + (f", {TALLY.leaks} leaks" if TALLY.leaks else ""))
    findings = sorted(TALLY.findings.items(), key=lambda item: -item[1]["count"])
    summary = {
        "profile": PROFILE,
        "hostile_cases": TALLY.cases,
        "requests": TALLY.requests,
        "server_errors": TALLY.server_errors,
        "partial_writes": TALLY.partial_writes,
        "leaks": TALLY.leaks,
        "seconds_since_collection": round(time.monotonic() - TALLY.started, 1),
        "answers": dict(sorted(TALLY.answers.items())),
        "cases_by_test": dict(sorted(TALLY.by_test.items())),
        "findings": dict(findings),
    }
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(json.dumps(summary, indent=2) + "\n")

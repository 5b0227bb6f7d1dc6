"""The envelope under hostile input: its pure parsers, then raw requests to a node.

The parsers of core/crypto/envelope.py must either return a value that satisfies their
contract or raise the one error type the gateway turns into a 400; anything else would
reach the client as a 500. Through the in-process node, requests are built by hand
(tests/support/wire.py) and then bent: headers missing, undecodable, of the wrong size,
huge or non-ASCII; session ids, timestamps, paths and methods odd but sealed
consistently; ciphertexts cut, stretched or flipped; login keys that do not unwrap.
Refusals before authentication must be plain problem+json with a protocol code, and the
probe (conftest.py) checks every answer for 5xx, partial writes and secrets.
"""

from __future__ import annotations

import base64
import json
import os
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.crypto import atrest, envelope
from tests.fast.fuzz import strategies as hostile
from tests.support import wire
from tests.support.transport import InProcessTransport

PROBLEM_CODES = {
    "malformed_request",
    "unknown_key",
    "decrypt_failed",
    "stale_timestamp",
    "replayed_nonce",
    "session_required",
    "session_invalid",
    "session_expired",
    "body_too_large",
}
ENVELOPE_HEADERS = [
    "X-Nonce",
    "X-Tag",
    "X-Timestamp",
    "X-Session-Id",
    "X-Key-Id",
    "X-Encrypted-Key",
]
KEY = bytes(range(32))


# The pure parsers ----------------------------------------------------------------------


@hostile.fuzz_settings(scale=10)
@given(value=hostile.hostile_header_value() | st.none(), size=st.sampled_from([None, 12, 16, 384]))
def test_decode_b64_returns_the_one_canonical_spelling_or_refuses(probe, value, size):
    probe.count_call()
    try:
        raw = envelope.decode_b64(value, size=size, name="X-Test")
    except envelope.MalformedEnvelope as exc:
        assert str(exc).startswith("X-Test ")  # names the header, never quotes its value
        return
    assert base64.b64encode(raw).decode() == value
    assert size is None or len(raw) == size


@hostile.fuzz_settings(scale=10)
@given(value=hostile.hostile_header_value() | st.integers().map(str) | st.none())
def test_parse_timestamp_returns_plain_decimal_milliseconds_or_refuses(probe, value):
    probe.count_call()
    try:
        parsed = envelope.parse_timestamp(value)
    except envelope.MalformedEnvelope:
        return
    assert value.isascii() and value.isdigit() and len(value) <= envelope.MAX_TIMESTAMP_DIGITS
    assert parsed == int(value) >= 0


@hostile.fuzz_settings(scale=10)
@given(
    fields=st.fixed_dictionaries(
        {
            name: hostile.hostile_text()
            for name in ("method", "path", "query", "session_id", "timestamp", "nonce_b64")
        }
    )
)
def test_request_aad_is_unambiguous_or_refused(probe, fields):
    probe.count_call()
    try:
        aad = envelope.request_aad(**fields)
    except envelope.MalformedEnvelope:
        return
    lines = aad.decode("utf-8").split("\n")
    assert len(lines) == 7 and lines[0] == envelope.AAD_REQUEST_PREFIX
    assert lines[1] == fields["method"].upper() and lines[3] == fields["query"]


@hostile.fuzz_settings(scale=10)
@given(
    nonce=st.binary(max_size=20),
    tag=st.binary(max_size=20),
    ciphertext=st.binary(max_size=200),
    aad=st.binary(max_size=100),
)
def test_open_request_refuses_everything_it_did_not_seal(probe, nonce, tag, ciphertext, aad):
    probe.count_call()
    with pytest.raises(envelope.EnvelopeError):
        envelope.open_request(key=KEY, nonce=nonce, ciphertext=ciphertext, tag=tag, aad=aad)


@hostile.fuzz_settings(scale=3)
@given(blob=st.binary(min_size=384, max_size=384) | st.binary(max_size=600))
def test_unwrap_session_key_refuses_anything_but_a_wrapped_32_byte_key(
    probe, rsa_private_key, blob
):
    probe.count_call()
    with pytest.raises(envelope.DecryptFailed):
        envelope.unwrap_session_key(rsa_private_key, blob)


@hostile.fuzz_settings(scale=10)
@given(blob=st.binary(max_size=120), context=st.binary(max_size=40))
def test_unwrap_refuses_any_blob_it_did_not_wrap(probe, blob, context):
    probe.count_call()
    with pytest.raises(envelope.DecryptFailed):
        atrest.unwrap(KEY, blob, context=context)


# Raw requests to the node --------------------------------------------------------------


@pytest.fixture
def channel(db, connect, boss, test_service, probe):
    """(transport, session id, key) of boss's session; its secrets told to the probe."""
    api = connect(boss)
    probe.add_text_secret("session id", api.session.session_id)
    probe.add_secret("session key", api.session.key)
    return api.transport, api.session.session_id, api.session.key


def _plain_refusal(answer) -> None:
    """A refusal before authentication: plain problem+json with a protocol code."""
    assert not answer.sealed
    assert answer.headers["Content-Type"] == "application/problem+json", answer.headers
    assert json.loads(answer.body)["code"] in PROBLEM_CODES
    assert int(answer.headers["X-Server-Time"]) > 0


def _seal(key, session_id, **fields):
    return hostile.envelope(key=key, session_id=session_id, **fields)


TARGETS = st.sampled_from(
    [
        ("GET", "/api/v1/credential/me"),
        ("GET", "/api/v1/test/echo"),
        ("POST", "/api/v1/test/echo"),
        ("DELETE", "/api/v1/test/echo"),
        ("POST", "/api/v1/credential/logout"),
        ("GET", "/api/v1/task/tasks/"),
    ]
)


def hostile_requests(probe, **strategies):
    """Run the decorated body once per example, each in its own rolled-back example;
    then fail with whatever the probe recorded (see conftest.py)."""

    def decorate(body):
        @hostile.fuzz_settings()
        @given(**strategies)
        def examples(**drawn):
            with probe.example():
                body(**drawn)

        examples()
        probe.assert_clean()

    return decorate


def test_hostile_headers_get_a_plain_refusal_or_change_nothing(probe, channel):
    transport, session_id, key = channel
    headers = [*ENVELOPE_HEADERS, "X-Request-Id", "Content-Type", "X-Content-Type"]

    @hostile_requests(
        probe,
        target=TARGETS,
        changes=st.dictionaries(
            st.sampled_from(headers),
            hostile.hostile_header_value() | st.none(),
            min_size=1,
            max_size=3,
        ),
    )
    def _(target, changes):
        request = _seal(key, session_id, method=target[0], path=target[1])
        original = dict(request.headers)
        for name, value in changes.items():
            if value is None:
                request.headers.pop(name, None)
            else:
                request.headers[name] = value
        answer = probe.send(transport, request)
        touched = {n for n in ENVELOPE_HEADERS if original.get(n) != request.headers.get(n)}
        if touched - {"X-Key-Id", "X-Encrypted-Key"}:  # those two only count on login
            _plain_refusal(answer)


def test_an_odd_session_id_sealed_consistently_is_refused(probe, channel):
    transport, _, key = channel

    @hostile_requests(
        probe,
        session_id=hostile.hostile_header_value() | hostile.hostile_text(),
        own_key=st.booleans(),
    )
    def _(session_id, own_key):
        try:
            request = _seal(
                key if own_key else os.urandom(32),
                session_id,
                method="GET",
                path="/api/v1/credential/me",
            )
        except (ValueError, UnicodeEncodeError):  # not representable in an AAD at all
            request = _seal(key, "x", method="GET", path="/api/v1/credential/me")
            request.headers["X-Session-Id"] = session_id
        answer = probe.send(transport, request)
        if session_id:
            _plain_refusal(answer)


def test_a_timestamp_sealed_consistently_is_checked_never_crashes(probe, channel):
    transport, session_id, key = channel
    now_ms = int(time.time() * 1000)

    @hostile_requests(
        probe,
        timestamp=st.one_of(
            hostile.hostile_header_value(),
            st.integers(-(10**20), 10**20).map(str),
            st.integers(1, 40).map(lambda n: "0" * n + str(now_ms)),
            st.integers(-200_000, 200_000).map(lambda d: str(now_ms + d)),
        ),
    )
    def _(timestamp):
        try:
            request = _seal(
                key, session_id, method="GET", path="/api/v1/credential/me", timestamp=timestamp
            )
        except (ValueError, UnicodeEncodeError):
            request = _seal(key, session_id, method="GET", path="/api/v1/credential/me")
            request.headers["X-Timestamp"] = timestamp
        answer = probe.send(transport, request)
        decimal = timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 15
        off_by = abs(int(timestamp) - time.time() * 1000) if decimal else float("inf")
        if off_by > 121_000:
            _plain_refusal(answer)
        elif off_by < 119_000:
            assert answer.sealed and answer.status == 200


def _bend(body: bytes, how: str, data) -> bytes:
    if how == "cut":
        return body[: data.draw(st.integers(0, max(0, len(body) - 1)))]
    if how == "stretch":
        return body + data.draw(st.binary(min_size=1, max_size=64))
    if how == "flip" and body:
        at = data.draw(st.integers(0, len(body) - 1))
        return body[:at] + bytes([body[at] ^ data.draw(st.integers(1, 255))]) + body[at + 1 :]
    return data.draw(st.binary(max_size=256))


def test_hostile_bodies_are_refused_or_answered_sealed(probe, channel):
    transport, session_id, key = channel

    @hostile_requests(
        probe,
        target=TARGETS,
        plaintext=hostile.raw_body() | hostile.json_bytes(hostile.hostile_json()),
        bend=st.sampled_from(["none", "none", "cut", "stretch", "flip", "replace"]),
        replay=st.booleans(),
        data=st.data(),
    )
    def _(target, plaintext, bend, replay, data):
        request = _seal(key, session_id, method=target[0], path=target[1], plaintext=plaintext)
        sealed_body = request.body
        request.body = _bend(request.body, bend, data) if bend != "none" else request.body
        answer = probe.send(transport, request, plaintext=plaintext)
        if request.body != sealed_body:
            _plain_refusal(answer)
            assert json.loads(answer.body)["code"] == "decrypt_failed"
            return
        assert answer.sealed
        if replay:
            again = probe.send(transport, request, plaintext=plaintext)
            _plain_refusal(again)
            # A replayed logout meets the session it ended before its nonce is looked at.
            refused = (
                {"replayed_nonce", "session_invalid"}
                if "logout" in target[1]
                else {"replayed_nonce"}
            )
            assert json.loads(again.body)["code"] in refused


def test_hostile_logins_are_refused_never_crash(probe, channel, server_key):
    transport = channel[0]
    wrapped = st.binary(min_size=384, max_size=384).map(hostile.crypto.b64)

    @hostile_requests(
        probe,
        plaintext=hostile.raw_body() | hostile.json_bytes(hostile.hostile_json()),
        encrypted_key=st.none() | hostile.hostile_header_value() | wrapped,
        kid=st.none() | hostile.hostile_header_value(),
        session_id=st.none() | hostile.hostile_header_value(),
    )
    def _(plaintext, encrypted_key, kid, session_id):
        request = hostile.login_envelope(server_key, plaintext)
        changes = {"X-Encrypted-Key": encrypted_key, "X-Key-Id": kid, "X-Session-Id": session_id}
        request.headers.update({k: v for k, v in changes.items() if v is not None})
        answer = probe.send(transport, request, plaintext=plaintext)
        if not answer.sealed:
            _plain_refusal(answer)
        elif answer.status == 200:
            assert json.loads(answer.body)["session_id"]


SEGMENTS = st.one_of(
    hostile.hostile_text().map(hostile.quoted),
    st.sampled_from(
        [
            "..",
            ".",
            "",
            "%2e%2e",
            "%2F",
            "%00",
            "%ff",
            "%C0%AF",
            ";x=1",
            "~",
            "tasks",
            "echo",
            "me",
            "1",
            "-1",
        ]
    ),
)
METHODS = [
    "GET",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "OPTIONS",
    "HEAD",
    "TRACE",
    "CONNECT",
    "PROPFIND",
    "get",
    "X" * 300,
]


def test_odd_methods_and_paths_sealed_consistently_never_crash(probe, channel):
    transport, session_id, key = channel

    @hostile_requests(
        probe,
        method=st.sampled_from(METHODS),
        service=st.sampled_from(["credential", "test", "task", "notice", "nope", "", "%74ask"]),
        segments=st.lists(SEGMENTS, max_size=4),
        query=hostile.raw_query(["q", "page"]),
    )
    def _(method, service, segments, query):
        path = "/api/v1/" + "/".join([service, *segments])
        probe.send(transport, _seal(key, session_id, method=method, path=path, query=query))


# The probe itself ----------------------------------------------------------------------


def test_the_probe_sees_a_5xx_a_partial_write_and_a_leak(
    probe_off_the_record, channel, monkeypatch
):
    """Without this, "0 partial writes, 0 leaks" could mean a blind probe."""
    from rest_framework.response import Response

    from core.drf import error_response
    from core.errors import ErrorCode
    from services.task.models import Task
    from tests.support.service_urls import Echo

    probe, (transport, session_id, key) = probe_off_the_record, channel
    probe.add_secret("session key", key)

    def half_write(view, request):
        Task.objects.create(title="half", creator=request.user)
        return error_response(ErrorCode.INVALID)  # a refusal that forgot to roll back

    def leak(view, request):
        return Response({"key": base64.b64encode(key).decode()})

    monkeypatch.setattr(Echo, "post", half_write)
    monkeypatch.setattr(Echo, "get", leak)
    for method, name in [("GET", "boom"), ("POST", "echo"), ("GET", "echo")]:
        request = _seal(key, session_id, method=method, path=f"/api/v1/test/{name}")
        with probe.example():
            probe.send(transport, request)
    kinds = sorted(finding.split(":")[0] for finding in probe.findings)
    assert kinds == ["500", "partial write", "secret in the answer"], probe.findings
    assert (probe.tally.server_errors, probe.tally.partial_writes, probe.tally.leaks) == (1, 1, 1)


# Sizes ---------------------------------------------------------------------------------


def test_a_body_just_over_the_limit_is_a_plain_413(probe, channel, settings):
    _, session_id, key = channel
    size = settings.PLATFORM_MAX_BODY_BYTES + 1
    request = _seal(key, session_id, method="POST", path="/api/v1/test/echo", plaintext=b"x" * size)
    answer = probe.send(InProcessTransport(), request)
    assert (answer.status, json.loads(answer.body)["code"]) == (413, "body_too_large")


def _post_with_length(channel, length: str):
    transport, session_id, key = channel
    request = _seal(key, session_id, method="POST", path="/api/v1/test/echo", plaintext=b"{}")
    return transport.django.generic(
        "POST",
        request.target,
        data=request.body,
        content_type="application/octet-stream",
        headers=request.headers,
        CONTENT_LENGTH=length,
    )


# A length above the body but under the limit is left out: the test client asserts on it,
# where a real server would wait for the missing bytes and time out.
@pytest.mark.parametrize("length", ["-1", "99999999999999999999999"])
def test_a_broken_content_length_is_refused_plainly(channel, length):
    raw = _post_with_length(channel, length)
    assert raw.status_code in (400, 413), raw.content
    assert raw["Content-Type"] == "application/problem+json"


# Findings kept as plain tests ------------------------------------------------------------


@pytest.mark.parametrize("length", ["abc", "1e3", "0x10"])
def test_regression_a_non_numeric_content_length_is_a_400_not_a_500(channel, length):
    """The gateway refuses it (malformed_request); the request log then crashed on it."""
    transport = channel[0]
    transport.django.raise_request_exception = False
    raw = _post_with_length(channel, length)
    assert raw.status_code == 400, raw.content[:200]
    assert json.loads(raw.content)["code"] == "malformed_request"


def test_regression_a_head_answer_can_be_authenticated(channel):
    """A sealed answer to HEAD covers a body HTTP then drops, so no client can verify it;
    it should be sealed over the empty body the client receives."""
    transport, session_id, key = channel
    request = _seal(key, session_id, method="HEAD", path="/api/v1/credential/me")
    raw = wire.send(transport, request)
    assert raw.body == b"" and "X-Tag" in raw.headers
    wire.open_sealed(raw, request)  # raises ProtocolError when it does not authenticate

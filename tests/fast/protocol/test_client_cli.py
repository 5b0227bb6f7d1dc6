"""The reference client (session, retries, pinning, wire target) and its CLI.

The client talks to `FakeNode` (fake_node.py), in-process: no network, no database.
"""

from __future__ import annotations

import base64
import io
import json
import stat
from urllib.parse import unquote

import pytest
import requests
from django.utils.encoding import escape_uri_path
from hypothesis import assume, given
from hypothesis import strategies as st

from client import (
    ConnectionFailed,
    NotLoggedIn,
    OutcomeUnknown,
    PinningError,
    PlatformClient,
    ProtocolError,
    SessionState,
    cli,
)
from client.keys import ServerKey, choose_key
from client.local_node import local_node_url
from client.session import RESEND_AFTER_SECONDS
from client.table import render_table
from client.target import split_target
from client.transport import RawResponse
from tests.fast.protocol.fake_node import FINGERPRINT, PASSWORD, T0_MS, FakeNode, run_cli


@pytest.fixture
def node() -> FakeNode:
    return FakeNode()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(node, sleeps) -> PlatformClient:
    return PlatformClient(
        ["http://a", "http://b"], transport=node, clock=lambda: T0_MS / 1000, sleep=sleeps.append
    )


@pytest.fixture
def alice(client) -> PlatformClient:
    assert client.login("alice", PASSWORD).status == 200
    return client


# Session ------------------------------------------------------------------


def test_it_logs_in_and_talks_encrypted(alice, node):
    response = alice.post("/api/v1/echo/items/", {"title": "Fix the printer"})
    assert (response.status, response.encrypted) == (200, True)
    assert response.data["data"] == {"title": "Fix the printer"}
    assert alice.login_info["user"] == {"username": "alice"}
    assert "X-Session-Id" not in node.calls[1][3]  # the login itself


def test_it_reports_wrong_credentials_without_starting_a_session(client):
    response = client.login("alice", "wrong")
    assert (response.status, response.code) == (401, "invalid_credentials")
    assert response.encrypted
    assert not client.logged_in


def test_it_sends_get_data_as_an_encrypted_query_object_not_in_the_url(alice, node):
    response = alice.get("/api/v1/echo/people/", {"q": "Müller"}, params={"page": 2})
    assert response.data["data"] == {"q": "Müller"}
    assert node.calls[-1][2] == "/api/v1/echo/people/?page=2"


def test_it_never_reuses_a_nonce(alice, node):
    for _ in range(20):
        alice.get("/api/v1/echo/x/")
    assert len(node.nonces) == 21  # login included; FakeNode asserts on reuse


def test_it_forgets_the_session_at_logout(alice):
    assert alice.logout().status == 200
    with pytest.raises(NotLoggedIn):
        alice.get("/api/v1/echo/x/")


def test_it_forgets_a_session_the_server_no_longer_knows(alice, node):
    node.sessions.clear()
    assert alice.get("/api/v1/echo/x/").code == "session_invalid"
    assert not alice.logged_in


def test_it_keeps_secrets_out_of_repr(alice):
    shown = repr(alice) + repr(alice.session) + repr(alice.get("/api/v1/echo/x/"))
    assert alice.session.session_id not in shown
    assert base64.b64encode(alice.session.key).decode() not in shown


# Response authenticity ----------------------------------------------------


def test_it_raises_on_a_response_whose_tag_does_not_verify(alice, node):
    node.tamper_tag = True
    with pytest.raises(ProtocolError):
        alice.get("/api/v1/echo/x/")


def test_it_refuses_an_unencrypted_success_answer(alice, node):
    node.plain_success = True
    with pytest.raises(ProtocolError):
        alice.get("/api/v1/echo/x/")


def test_it_accepts_an_encrypted_error_answer(alice):
    response = alice.get("/api/v1/missing/")
    assert (response.status, response.code, response.encrypted) == (404, "not_found", True)


# Clock skew and retries ---------------------------------------------------


def test_it_corrects_its_clock_after_a_stale_timestamp(alice, node):
    node.skew_ms = 600_000
    assert alice.get("/api/v1/echo/x/").status == 200
    assert alice.clock_offset_ms == 600_000
    assert [call[1] for call in node.calls[-2:]] == ["GET", "GET"]


def _unavailable(retry_after: str = "1") -> RawResponse:
    return RawResponse(503, {"Retry-After": retry_after}, b"")


def test_it_retries_a_safe_request_as_fresh_envelopes_on_the_other_node(alice, node, sleeps):
    node.queued = [ConnectionFailed("reset", sent=True), _unavailable("120")]
    assert alice.get("/api/v1/echo/x/").status == 200
    attempts = node.calls[-3:]
    assert [call[0] for call in attempts] == ["http://a", "http://b", "http://a"]
    assert len({call[3]["X-Nonce"] for call in attempts}) == 3
    assert sleeps[-1] == 5.0  # Retry-After honoured up to the cap


def test_it_gives_up_after_the_configured_retries(alice, node):
    node.queued = [ConnectionFailed("down", sent=False) for _ in range(4)]
    with pytest.raises(ConnectionFailed):
        alice.get("/api/v1/echo/x/")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_an_unsafe_request_cut_after_sending_goes_again_only_identical_and_not_at_once(
    alice, node, sleeps, method
):
    node.queued = [ConnectionFailed("reset", sent=True)]
    assert alice.request(method, "/api/v1/echo/x/", {"a": 1}).status == 200
    first, second = node.calls[-2:]
    assert (first[3]["X-Nonce"], first[3]["X-Tag"]) == (second[3]["X-Nonce"], second[3]["X-Tag"])
    # No sooner than RESEND_AFTER_SECONDS after its timestamp (the clock stands still here).
    assert sleeps[-1] == pytest.approx(RESEND_AFTER_SECONDS, abs=0.01)


def test_an_outcome_unknown_answer_is_followed_by_the_identical_envelope(alice, node, sleeps):
    node.queued = [node._plain(503, {"code": "outcome_unknown"})]
    assert alice.post("/api/v1/echo/x/", {"a": 1}).status == 200
    first, second = node.calls[-2:]
    assert first[3]["X-Tag"] == second[3]["X-Tag"]


def test_an_unknown_outcome_that_stays_unknown_is_reported_as_such(alice, node):
    alice.resends = 3
    node.queued = [ConnectionFailed("reset", sent=True)] + [
        node._plain(503, {"code": "outcome_unknown"}) for _ in range(5)
    ]
    with pytest.raises(OutcomeUnknown):
        alice.post("/api/v1/echo/x/", {"a": 1})
    tags = {call[3]["X-Tag"] for call in node.calls[-4:]}
    assert len(tags) == 1  # never a fresh envelope once it may have been applied


def test_a_nothing_applied_answer_to_a_post_is_retried_as_a_fresh_envelope(alice, node):
    node.queued = [node._plain(503, {"code": "database_unavailable"})]
    assert alice.post("/api/v1/echo/x/", {"a": 1}).status == 200
    first, second = node.calls[-2:]
    assert first[3]["X-Nonce"] != second[3]["X-Nonce"]


def test_a_fresh_replay_refusal_is_returned_as_it_is(alice, node):
    node.queued = [node._plain(401, {"code": "replayed_nonce"})]
    assert alice.post("/api/v1/echo/x/", {"a": 1}).code == "replayed_nonce"


def test_it_retries_a_post_whose_connection_was_refused(alice, node):
    node.queued = [ConnectionFailed("refused", sent=False)]
    assert alice.post("/api/v1/echo/x/", {"a": 1}).status == 200
    first, second = node.calls[-2:]
    assert first[3]["X-Nonce"] != second[3]["X-Nonce"]  # never sent: a fresh envelope


def test_it_returns_a_bare_503_to_a_patch_without_retrying(alice, node):
    node.queued = [_unavailable()]
    assert alice.patch("/api/v1/echo/x/", {"a": 1}).status == 503


# Pinning ------------------------------------------------------------------


def test_it_accepts_a_pinned_key_written_with_colons(node):
    pin = ":".join(FINGERPRINT[i : i + 2] for i in range(0, 64, 2)).upper()
    client = PlatformClient("http://a", pinned_fingerprints=[pin], transport=node)
    assert client.login("alice", PASSWORD).status == 200


def test_it_refuses_a_key_that_is_not_pinned(node):
    client = PlatformClient("http://a", pinned_fingerprints=["ab" * 32], transport=node)
    with pytest.raises(PinningError):
        client.login("alice", PASSWORD)


def test_it_computes_the_fingerprint_itself_rather_than_trusting_the_key_list(node):
    node.advertised_fingerprint = "ab" * 32
    client = PlatformClient("http://a", pinned_fingerprints=["ab" * 32], transport=node)
    with pytest.raises(PinningError):
        client.fetch_public_keys()


def test_it_falls_back_to_a_pinned_previous_key_during_a_rotation():
    new, old = ServerKey("new", "", "bb" * 32, True), ServerKey("old", "", "aa" * 32, False)
    assert choose_key([new, old], {"aa" * 32}) is old
    assert choose_key([old, new], set()) is new


# Wire target --------------------------------------------------------------

segment = st.text(min_size=1, max_size=12).filter(lambda s: s not in (".", ".."))


@given(segments=st.lists(segment, max_size=4), query=st.text(max_size=30))
def test_a_canonical_target_is_sent_unchanged_and_rebuilt_by_django(segments, query):
    assume("#" not in "".join(segments))
    try:
        path, canonical_query = split_target("/" + "/".join(segments) + "?" + query)
    except ValueError:
        assume(False)
    target = path + ("?" + canonical_query if canonical_query else "")
    prepared = requests.Request("GET", "http://node" + target).prepare()
    assert prepared.url == "http://node" + target
    assert escape_uri_path(unquote(path)) == path


# CLI ----------------------------------------------------------------------


def _run(node, *argv, stdin=""):
    return run_cli(node, "--url", "http://a", *argv, stdin=stdin)


@pytest.fixture
def session_file(tmp_path, monkeypatch):
    path = tmp_path / "cfg" / "session.json"
    monkeypatch.setenv("PLATFORM_CLIENT_SESSION", str(path))
    return path


def test_the_cli_has_no_password_argument():
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["login", "alice", "--password", PASSWORD])


def test_the_cli_keeps_a_private_session_between_commands(node, session_file):
    code, out, _ = _run(node, "login", "alice", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0 and PASSWORD not in out
    assert stat.S_IMODE(session_file.stat().st_mode) == 0o600
    saved = json.loads(session_file.read_text())
    assert saved["session_id"] in node.sessions and saved["session_id"] not in out
    code, out, _ = _run(node, "get", "/api/v1/echo/x/", "--param", "a=1", "--data", '{"b": 2}')
    assert code == 0 and json.loads(out)["query"] == "a=1"
    assert _run(node, "get", "/api/v1/missing/")[0] == 1
    assert _run(node, "logout")[0] == 0
    assert not session_file.exists()


def test_the_cli_fails_on_wrong_credentials_and_saves_nothing(node, session_file):
    code, _, _ = _run(node, "login", "alice", "--password-stdin", stdin="wrong\n")
    assert code == 1 and not session_file.exists()


def test_a_saved_session_file_is_private_even_if_one_existed_before(session_file):
    session_file.parent.mkdir()
    session_file.write_text("{}")
    session_file.chmod(0o644)
    cli.save_session(session_file, SessionState("id", bytes(32)), 0)
    assert stat.S_IMODE(session_file.stat().st_mode) == 0o600


def test_the_cli_shows_the_computed_fingerprint(node):
    code, out, _ = _run(node, "public-key", "--pin", FINGERPRINT)
    assert code == 0 and json.loads(out)[0]["fingerprint_sha256"] == FINGERPRINT


def test_a_post_answered_database_unavailable_is_sent_again(alice, node):
    node.queued = [node._plain(503, {"code": "database_unavailable"})]
    assert alice.post("/api/v1/echo/x/", {"a": 1}).status == 200
    first, second = node.calls[-2:]
    assert first[3]["X-Nonce"] != second[3]["X-Nonce"]  # nothing applied: a fresh envelope


def test_a_rate_limited_post_waits_as_told_and_is_sent_again(node):
    waits = []
    client = PlatformClient("http://a", transport=node, sleep=waits.append, retries=2)
    client.login("alice", PASSWORD)
    limited = node._plain(429, {"code": "rate_limited"})
    limited = RawResponse(429, {**limited.headers, "Retry-After": "2"}, limited.body)
    node.queued = [limited]
    assert client.post("/api/v1/echo/x/", {"a": 1}).status == 200
    assert waits == [2.0]


def test_a_locked_out_login_is_not_retried(node):
    client = PlatformClient("http://a", transport=node, sleep=lambda s: None, retries=3)
    client.fetch_public_keys()
    node.queued = [node._plain(429, {"code": "locked_out", "retry_after_seconds": 60})]
    assert client.login("alice", PASSWORD).code == "locked_out"


# CLI: password sources, output, where it connects -------------------------


def test_login_without_a_terminal_says_how_to_give_the_password(node, session_file):
    code, out, err = _run(node, "login", "alice")  # stdin is a pipe, not a terminal
    assert code == 2 and out == ""
    assert "--password-stdin" in err and "--password-env" in err
    assert "Traceback" not in err and not session_file.exists()


def test_login_reads_the_password_from_a_named_environment_variable(
    node, session_file, monkeypatch
):
    monkeypatch.setenv("ALICE_SECRET", PASSWORD)
    code, out, _ = _run(node, "login", "alice", "--password-env", "ALICE_SECRET")
    assert code == 0 and PASSWORD not in out and session_file.exists()
    monkeypatch.setenv("PLATFORM_PASSWORD", PASSWORD)
    assert _run(node, "login", "alice", "--password-env")[0] == 0


def test_login_refuses_an_unset_password_variable_or_an_empty_stdin(node, session_file):
    code, _, err = _run(node, "login", "alice", "--password-env", "NO_SUCH_VARIABLE_SET")
    assert code == 2 and "NO_SUCH_VARIABLE_SET is not set" in err
    code, _, err = _run(node, "login", "alice", "--password-stdin")
    assert code == 2 and "stdin is empty" in err
    assert not session_file.exists()


def test_format_table_lays_out_the_rows_of_a_list(node):
    code, out, _ = _run(node, "public-key", "--format", "table")
    assert code == 0
    header, rule, row, footer = out.splitlines()
    assert header.split() == ["kid", "fingerprint_sha256", "primary", "selected"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert row.split()[0] == "k1" and row.split()[2:] == ["true", "true"]
    assert footer == "(1 rows)"


def test_format_table_shows_a_page_of_results_and_where_the_next_is():
    page = {"count": 3, "next": "/api/v1/task/tasks/?page=2", "results": [{"id": 1}, {"id": 5}]}
    lines = render_table(page).splitlines()
    assert [line.strip() for line in lines[2:4]] == ["1", "5"]
    assert lines[-1] == "(2 of 3; next page: /api/v1/task/tasks/?page=2)"
    assert render_table({"title": "x" * 100}).splitlines()[2].endswith("…")


def _run_without_url(node, *argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), transport=node, stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_the_cli_finds_the_trial_node_by_the_port_in_the_checkouts_env_file(
    node, tmp_path, monkeypatch
):
    env_file = tmp_path / ".env"
    env_file.write_text("SECRET_KEY=x\nPORT=8123\n")
    monkeypatch.delenv("PLATFORM_URL", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.setenv("PLATFORM_ENV_FILE", str(env_file))
    code, _, err = _run_without_url(node, "public-key")
    assert code == 0 and node.calls[-1][0] == "http://127.0.0.1:8123"
    assert f"http://127.0.0.1:8123 (from PORT in {env_file})" in err
    monkeypatch.setenv("PORT", "8200")  # as `PORT=8200 make run` would serve
    _run_without_url(node, "public-key")
    assert node.calls[-1][0] == "http://127.0.0.1:8200"


def test_platform_url_beats_the_local_node_and_a_bad_port_is_a_clear_error(node, monkeypatch):
    monkeypatch.setenv("PLATFORM_URL", "http://a, http://b")
    code, _, err = _run_without_url(node, "public-key")
    assert code == 0 and "http://a, http://b (from PLATFORM_URL)" in err
    monkeypatch.delenv("PLATFORM_URL")
    monkeypatch.setenv("PORT", "80x")
    code, _, err = _run_without_url(node, "public-key")
    assert code == 2 and "PORT is '80x', not a port number" in err


def test_the_local_node_defaults_to_port_8000_without_port_or_env_file(tmp_path):
    url, source = local_node_url({"PLATFORM_ENV_FILE": str(tmp_path / "missing.env")})
    assert url == "http://127.0.0.1:8000" and "default port" in source
    assert local_node_url({"PLATFORM_ENV_FILE": ""})[0] == "http://127.0.0.1:8000"
    (tmp_path / "q.env").write_text("export PORT='8300'  # trial node\n")
    assert local_node_url({"PLATFORM_ENV_FILE": str(tmp_path / "q.env")})[0].endswith(":8300")

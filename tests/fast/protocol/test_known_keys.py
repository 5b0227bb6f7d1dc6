"""Server keys trusted on first use: the reference client's known-keys file.

Each test builds fresh clients on one file, as separate runs of a program would, against
`FakeNode` (the server's own envelope functions, in-process).
"""

from __future__ import annotations

import stat

import pytest

from client import (
    ClientError,
    ConnectionFailed,
    KnownKeys,
    PlatformClient,
    UnknownServerKey,
)
from core.crypto import envelope
from tests.fast.protocol.fake_node import FINGERPRINT, PASSWORD, FakeNode, run_cli

LOGIN = "/api/v1/credential/login"


@pytest.fixture(scope="module")
def other_keys() -> dict:
    """A rotated-in server key and an attacker's key (RSA-3072 both, made once)."""
    return {"k2": envelope.generate_private_key(), "evil": envelope.generate_private_key()}


@pytest.fixture
def node(other_keys) -> FakeNode:
    node = FakeNode()
    node.private_keys.update(other_keys)
    return node


@pytest.fixture
def known(tmp_path) -> KnownKeys:
    return KnownKeys(tmp_path / "cfg" / "known_keys")


def _fingerprint(node: FakeNode, kid: str) -> str:
    return envelope.fingerprint_sha256(node.private_keys[kid].public_key())


def _connect(node, known, urls=("http://a",), **kwargs) -> PlatformClient:
    return PlatformClient(list(urls), known_keys=known, transport=node, **kwargs)


def _login_kids(node) -> list[str]:
    return [headers["X-Key-Id"] for _, _, path, headers in node.calls if path == LOGIN]


def test_the_first_contact_remembers_the_key_under_the_origin_that_served_it(node, known):
    assert _connect(node, known).login("alice", PASSWORD).status == 200
    assert known.entries() == [("http://a", FINGERPRINT, "k1")]
    assert stat.S_IMODE(known.path.stat().st_mode) == 0o600


def test_a_swapped_key_list_is_refused_on_a_second_connect(node, known):
    _connect(node, known).login("alice", PASSWORD)
    before = known.path.read_text()
    node.listed = [("evil", True)]  # a proxy answers the key list with its own key
    with pytest.raises(UnknownServerKey) as refused:
        _connect(node, known).login("alice", PASSWORD)
    message = str(refused.value)
    assert str(known.path) in message and "trust-key" in message
    assert _fingerprint(node, "evil") in message
    assert _login_kids(node) == ["k1"]  # the password never went out under the attacker's key
    assert known.path.read_text() == before


def test_a_rotation_is_accepted_and_its_new_key_remembered(node, known):
    _connect(node, known).login("alice", PASSWORD)
    node.listed = [("k2", True), ("k1", False)]  # the new primary and the previous key
    assert _connect(node, known).login("alice", PASSWORD).status == 200
    assert _login_kids(node)[-1] == "k1"  # not yet the key this very list introduced
    assert (_fingerprint(node, "k2"), "k2") in {(fp, kid) for _, fp, kid in known.entries()}
    node.listed = [("k2", True)]  # the overlap is over, the old key retired
    assert _connect(node, known).login("alice", PASSWORD).status == 200
    assert _login_kids(node)[-1] == "k2"


def test_a_list_holding_no_known_key_is_refused_even_as_a_rotation(node, known):
    _connect(node, known).login("alice", PASSWORD)
    node.listed = [("k2", True), ("evil", False)]
    with pytest.raises(UnknownServerKey):
        _connect(node, known).fetch_public_keys()


def test_keys_known_through_one_url_count_for_the_others_given_with_it(node, known):
    _connect(node, known, urls=["http://a"]).login("alice", PASSWORD)
    node.listed = [("evil", True)]
    node.queued = [ConnectionFailed("refused", sent=False)]  # node a down: b answers
    client = _connect(node, known, urls=["http://a", "http://b"], sleep=lambda s: None)
    with pytest.raises(UnknownServerKey) as refused:
        client.fetch_public_keys()
    assert "http://b" in str(refused.value)
    assert [call[0] for call in node.calls[-2:]] == ["http://a", "http://b"]


def test_pins_decide_and_leave_the_known_keys_file_alone(node, known):
    known.add("http://a", _fingerprint(node, "evil"))
    before = known.path.read_text()
    client = _connect(node, known, pinned_fingerprints=[FINGERPRINT])
    assert client.login("alice", PASSWORD).status == 200
    assert known.path.read_text() == before


def test_a_line_that_does_not_parse_is_an_error_naming_the_file(known):
    known.path.parent.mkdir(parents=True)
    known.path.write_text("# comment\nhttp://a not-a-fingerprint\n")
    with pytest.raises(ClientError, match=f"{known.path}:2"):
        known.fingerprints(["http://a"])


def _run(node, *argv):
    return run_cli(node, "--url", "http://a", *argv)


def test_the_cli_refuses_a_changed_key_and_trust_key_accepts_it(node, known_keys_file):
    code, _, err = _run(node, "public-key")
    assert code == 0 and "remembered server key" in err and str(known_keys_file) in err
    node.listed = [("evil", True)]
    code, out, err = _run(node, "public-key")
    assert code == 2 and out == ""
    assert str(known_keys_file) in err and "trust-key" in err
    assert _run(node, "trust-key", _fingerprint(node, "evil"))[0] == 0
    code, out, _ = _run(node, "public-key")
    assert code == 0 and _fingerprint(node, "evil") in out

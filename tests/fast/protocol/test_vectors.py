"""Server and client each reproduce every vector in docs/protocol-test-vectors.json."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from client import crypto as client_crypto
from client import vectors as generator
from core.crypto import envelope

VECTORS_FILE = Path(__file__).resolve().parents[3] / "docs" / "protocol-test-vectors.json"
VECTORS = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
REQUESTS = {v["name"]: v for v in VECTORS["requests"]}
RESPONSES = {v["name"]: v for v in VECTORS["responses"]}
RSA = VECTORS["rsa_oaep"]


def test_the_generator_reproduces_the_committed_file():
    assert generator.render() == VECTORS_FILE.read_text(encoding="utf-8")


def test_the_vectors_cover_login_query_empty_body_and_both_response_kinds():
    assert REQUESTS["login_request"]["session_id"] == ""
    assert "%" in REQUESTS["authenticated_request"]["path"]
    assert REQUESTS["authenticated_request"]["query"]
    assert REQUESTS["get_empty_body"]["ciphertext_hex"] == ""
    assert {v["status"] for v in RESPONSES.values()} == {200, 404}


def _aad_fields(vector: dict) -> dict:
    return {
        "method": vector["method"],
        "path": vector["path"],
        "query": vector["query"],
        "session_id": vector["session_id"],
        "timestamp": vector["timestamp"],
        "nonce_b64": vector["nonce_b64"],
    }


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_the_server_builds_the_request_aad_of_each_vector(name):
    vector = REQUESTS[name]
    aad = envelope.request_aad(**_aad_fields(vector))
    assert aad.hex() == vector["aad_hex"]
    assert aad.decode("utf-8") == vector["aad_text"]


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_the_server_opens_each_request_vector(name):
    vector = REQUESTS[name]
    plaintext = envelope.open_request(
        key=envelope.decode_b64(vector["key_b64"], size=envelope.KEY_SIZE, name="key"),
        nonce=envelope.decode_b64(vector["headers"]["X-Nonce"], size=12, name="X-Nonce"),
        ciphertext=bytes.fromhex(vector["ciphertext_hex"]),
        tag=envelope.decode_b64(vector["headers"]["X-Tag"], size=16, name="X-Tag"),
        aad=envelope.request_aad(**_aad_fields(vector)),
    )
    assert plaintext.hex() == vector["plaintext_hex"]


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_the_client_seals_each_request_vector_exactly(name):
    vector = REQUESTS[name]
    fields = _aad_fields(vector)
    del fields["nonce_b64"]
    sealed = client_crypto.seal_request(
        key=bytes.fromhex(vector["key_hex"]),
        plaintext=bytes.fromhex(vector["plaintext_hex"]),
        nonce=bytes.fromhex(vector["nonce_hex"]),
        **fields,
    )
    assert sealed.aad.hex() == vector["aad_hex"]
    assert sealed.nonce_b64 == vector["nonce_b64"] == vector["headers"]["X-Nonce"]
    assert sealed.ciphertext.hex() == vector["ciphertext_hex"]
    assert base64.b64encode(sealed.ciphertext).decode() == vector["ciphertext_b64"]
    assert sealed.tag_b64 == vector["tag_b64"] == vector["headers"]["X-Tag"]
    assert bytes.fromhex(vector["tag_hex"]) == base64.b64decode(vector["tag_b64"])


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_the_server_seals_each_response_vector_exactly(name):
    vector = RESPONSES[name]
    assert vector["request_nonce_b64"] == REQUESTS[vector["answers"]]["nonce_b64"]
    sealed = envelope.seal_response(
        key=bytes.fromhex(vector["key_hex"]),
        status=vector["status"],
        request_nonce_b64=vector["request_nonce_b64"],
        content_type=vector["content_type"],
        plaintext=bytes.fromhex(vector["plaintext_hex"]),
        nonce=bytes.fromhex(vector["nonce_hex"]),
    )
    assert sealed.nonce_b64 == vector["nonce_b64"] == vector["headers"]["X-Nonce"]
    assert sealed.ciphertext.hex() == vector["ciphertext_hex"]
    assert sealed.tag_b64 == vector["tag_b64"] == vector["headers"]["X-Tag"]
    aad = envelope.response_aad(
        status=vector["status"],
        request_nonce_b64=vector["request_nonce_b64"],
        content_type=vector["content_type"],
    )
    assert aad.hex() == vector["aad_hex"]


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_the_client_opens_each_response_vector(name):
    vector = RESPONSES[name]
    plaintext = client_crypto.open_response(
        key=bytes.fromhex(vector["key_hex"]),
        status=vector["status"],
        request_nonce_b64=vector["request_nonce_b64"],
        content_type=vector["headers"]["X-Content-Type"],
        nonce_b64=vector["headers"]["X-Nonce"],
        tag_b64=vector["headers"]["X-Tag"],
        ciphertext=base64.b64decode(vector["ciphertext_b64"]),
    )
    assert plaintext.decode("utf-8") == vector["plaintext_text"]


def _test_only_private_key():
    return serialization.load_pem_private_key(RSA["test_only_private_key_pem"].encode(), None)


def test_the_server_decrypts_the_rsa_vector_to_the_session_key():
    encrypted = envelope.decode_b64(RSA["ciphertext_b64"], size=384, name="X-Encrypted-Key")
    key = envelope.unwrap_session_key(_test_only_private_key(), encrypted)
    assert key.hex() == RSA["plaintext_hex"] == VECTORS["session_key_hex"]


def test_the_login_vector_sends_the_rsa_vector_as_its_encrypted_key():
    headers = REQUESTS["login_request"]["headers"]
    assert headers["X-Encrypted-Key"] == RSA["ciphertext_b64"]
    assert headers["X-Key-Id"] == RSA["kid"]


def test_server_and_client_agree_on_the_fingerprint_of_the_test_key():
    public_key = _test_only_private_key().public_key()
    assert envelope.fingerprint_sha256(public_key) == RSA["fingerprint_sha256"]
    assert client_crypto.fingerprint_sha256(RSA["public_key_pem"]) == RSA["fingerprint_sha256"]
    assert envelope.public_key_pem(_test_only_private_key()) == RSA["public_key_pem"]


def test_a_session_key_wrapped_by_the_client_unwraps_on_the_server():
    key = bytes.fromhex(RSA["plaintext_hex"])
    wrapped = client_crypto.wrap_session_key(RSA["public_key_pem"], key)
    assert envelope.unwrap_session_key(_test_only_private_key(), wrapped) == key


def test_the_rsa_vector_is_marked_test_only():
    assert RSA["note"] == "test-only key; never use it for anything else"
    assert RSA["alg"] == "RSA-OAEP-256"
    assert _test_only_private_key().key_size == 3072

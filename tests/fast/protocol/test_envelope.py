"""The server envelope (core.crypto.envelope) against the independent client crypto."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given
from hypothesis import strategies as st

from client import crypto as client_crypto
from client.errors import ProtocolError
from client.test_vector_key import TEST_ONLY_PRIVATE_KEY_PEM
from core.crypto import atrest, envelope

KEY = bytes(range(32))
FIELDS = {
    "method": "POST",
    "path": "/api/v1/task/items/caf%C3%A9/",
    "query": "a=1&b=two",
    "session_id": "s3ss10n",
    "timestamp": "1767225600000",
}


def _test_key():
    return serialization.load_pem_private_key(TEST_ONLY_PRIVATE_KEY_PEM.encode(), None)


def _client_seal(plaintext=b'{"x":1}', **overrides):
    fields = {**FIELDS, **overrides}
    return fields, client_crypto.seal_request(key=KEY, plaintext=plaintext, **fields)


def _server_open(fields, sealed, *, key=KEY, nonce_b64=None, ciphertext=None, tag_b64=None):
    nonce_b64 = nonce_b64 or sealed.nonce_b64
    return envelope.open_request(
        key=key,
        nonce=envelope.decode_b64(nonce_b64, size=envelope.NONCE_SIZE, name="X-Nonce"),
        ciphertext=sealed.ciphertext if ciphertext is None else ciphertext,
        tag=envelope.decode_b64(tag_b64 or sealed.tag_b64, size=envelope.TAG_SIZE, name="X-Tag"),
        aad=envelope.request_aad(nonce_b64=nonce_b64, **fields),
    )


def _flip(data: bytes, index: int = 0) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def _flip_b64(value: str) -> str:
    return base64.b64encode(_flip(base64.b64decode(value))).decode()


# Round trips --------------------------------------------------------------


def test_a_request_sealed_by_the_client_opens_on_the_server():
    fields, sealed = _client_seal(b'{"title":"Fix the printer"}')
    assert _server_open(fields, sealed) == b'{"title":"Fix the printer"}'


def test_a_response_sealed_by_the_server_opens_on_the_client():
    sealed = envelope.seal_response(
        key=KEY, status=201, request_nonce_b64="AAAAAAAAAAAAAAAA", content_type="application/json",
        plaintext=b'{"id":7}',
    )  # fmt: skip
    plaintext = client_crypto.open_response(
        key=KEY, status=201, request_nonce_b64="AAAAAAAAAAAAAAAA", content_type="application/json",
        nonce_b64=sealed.nonce_b64, tag_b64=sealed.tag_b64, ciphertext=sealed.ciphertext,
    )  # fmt: skip
    assert plaintext == b'{"id":7}'


def test_the_server_picks_a_fresh_response_nonce_each_time():
    seal = dict(key=KEY, status=200, request_nonce_b64="n", content_type="a/b", plaintext=b"")
    assert envelope.seal_response(**seal).nonce_b64 != envelope.seal_response(**seal).nonce_b64


# Surrogates cannot be UTF-8 encoded, so they never occur in a field that was sent.
line_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=60
)


@given(
    plaintext=st.binary(max_size=512),
    method=st.sampled_from(["GET", "post", "PUT", "PATCH", "DELETE"]),
    path=line_text,
    query=line_text,
    session_id=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", max_size=43),
)
def test_any_request_round_trips_from_client_to_server(plaintext, method, path, query, session_id):
    fields, sealed = _client_seal(
        plaintext, method=method, path="/" + path, query=query, session_id=session_id
    )
    assert len(sealed.ciphertext) == len(plaintext)
    assert _server_open(fields, sealed) == plaintext


# Tampering ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("method", "PUT"),
        ("path", "/api/v1/task/items/cafe/"),
        ("query", "a=1&b=three"),
        ("session_id", "someone-else"),
        ("timestamp", "1767225600001"),
    ],
)
def test_it_rejects_a_request_whose_authenticated_field_changed(field, value):
    fields, sealed = _client_seal()
    with pytest.raises(envelope.DecryptFailed) as caught:
        _server_open({**fields, field: value}, sealed)
    assert caught.value.code == "decrypt_failed"


def test_it_rejects_a_tampered_ciphertext():
    fields, sealed = _client_seal()
    with pytest.raises(envelope.DecryptFailed):
        _server_open(fields, sealed, ciphertext=_flip(sealed.ciphertext))


def test_it_rejects_a_tampered_tag():
    fields, sealed = _client_seal()
    with pytest.raises(envelope.DecryptFailed):
        _server_open(fields, sealed, tag_b64=_flip_b64(sealed.tag_b64))


def test_it_rejects_a_changed_nonce():
    fields, sealed = _client_seal()
    with pytest.raises(envelope.DecryptFailed):
        _server_open(fields, sealed, nonce_b64=_flip_b64(sealed.nonce_b64))


def test_it_rejects_a_request_sealed_with_another_key():
    fields, sealed = _client_seal()
    with pytest.raises(envelope.DecryptFailed):
        _server_open(fields, sealed, key=bytes(32))


def _response_parts():
    sealed = envelope.seal_response(
        key=KEY, status=200, request_nonce_b64="cmVxdWVzdG5vbmNl", content_type="application/json",
        plaintext=b'{"ok":true}',
    )  # fmt: skip
    return {
        "key": KEY, "status": 200, "request_nonce_b64": "cmVxdWVzdG5vbmNl",
        "content_type": "application/json", "nonce_b64": sealed.nonce_b64,
        "tag_b64": sealed.tag_b64, "ciphertext": sealed.ciphertext,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("status", lambda v: 403),
        ("request_nonce_b64", lambda v: "b3RoZXJub25jZSEh"),
        ("content_type", lambda v: "text/plain"),
        ("ciphertext", _flip),
        ("tag_b64", _flip_b64),
        ("nonce_b64", _flip_b64),
        ("key", lambda v: bytes(32)),
    ],
)
def test_the_client_rejects_a_response_with_a_changed_part(field, change):
    parts = _response_parts()
    parts[field] = change(parts[field])
    with pytest.raises(ProtocolError):
        client_crypto.open_response(**parts)


# Header decoding ----------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "AAAAAAAAAAAAAAAA",  # 12 bytes where 16 are required
        "AAAAAAAAAAAAAAAAAAAAAA",  # padding missing
        "AAAAAAAAAAAAAAAAAAAAAA==\n",  # trailing newline
        "AAAAAAAA AAAAAAAAAAAAAA==",  # whitespace
        "-_AAAAAAAAAAAAAAAAAAAA==",  # URL-safe alphabet
        "AAAAAAAAAAAAAAAAAAAAAB==",  # non-zero trailing bits: a second spelling of some bytes
        "ÄAAAAAAAAAAAAAAAAAAAAA==",  # non-ASCII
    ],
)
def test_it_rejects_a_header_that_is_not_strict_base64_of_the_right_size(value):
    with pytest.raises(envelope.MalformedEnvelope) as caught:
        envelope.decode_b64(value, size=16, name="X-Tag")
    assert caught.value.code == "malformed_request"
    assert "X-Tag" in str(caught.value)


def test_it_decodes_strict_base64():
    assert envelope.decode_b64("AAECAwQFBgcICQoL", size=12, name="X-Nonce") == bytes(range(12))


def test_it_refuses_nonce_and_tag_of_the_wrong_size():
    with pytest.raises(envelope.MalformedEnvelope):
        envelope.open_request(key=KEY, nonce=bytes(8), ciphertext=b"", tag=bytes(16), aad=b"")
    with pytest.raises(envelope.MalformedEnvelope):
        envelope.open_request(key=KEY, nonce=bytes(12), ciphertext=b"", tag=bytes(12), aad=b"")


def test_it_rejects_a_line_break_inside_an_authenticated_field():
    with pytest.raises(envelope.MalformedEnvelope):
        envelope.request_aad(**{**FIELDS, "path": "/a\nGET"}, nonce_b64="AAAA")


# "\uff11\uff12" is "12" in full-width digits, which str.isdigit() alone would accept.
@pytest.mark.parametrize("value", [None, "", "-1", "12.5", " 1", "\uff11\uff12", "1" * 16])
def test_it_rejects_a_timestamp_that_is_not_plain_milliseconds(value):
    with pytest.raises(envelope.MalformedEnvelope):
        envelope.parse_timestamp(value)


def test_it_parses_a_millisecond_timestamp():
    assert envelope.parse_timestamp("1767225600000") == 1767225600000


def test_an_envelope_error_can_carry_another_problem_code():
    assert envelope.EnvelopeError("no such key", code="unknown_key").code == "unknown_key"


def test_a_decrypt_failure_names_no_secret():
    fields, sealed = _client_seal()
    with pytest.raises(envelope.DecryptFailed) as caught:
        _server_open(fields, sealed, ciphertext=_flip(sealed.ciphertext))
    message = str(caught.value)
    for secret in (KEY.hex(), base64.b64encode(KEY).decode(), sealed.ciphertext.hex()):
        assert secret not in message


# RSA session keys ---------------------------------------------------------


def test_it_rejects_an_encrypted_key_that_is_not_oaep_of_this_key():
    with pytest.raises(envelope.DecryptFailed):
        envelope.unwrap_session_key(_test_key(), os.urandom(384))
    with pytest.raises(envelope.DecryptFailed):
        envelope.unwrap_session_key(_test_key(), b"short")


def test_it_rejects_a_session_key_that_is_not_32_bytes():
    pem = envelope.public_key_pem(_test_key())
    with pytest.raises(envelope.DecryptFailed):
        envelope.unwrap_session_key(_test_key(), client_crypto.wrap_session_key(pem, bytes(16)))


def test_a_private_key_survives_its_der_round_trip():
    key = _test_key()
    again = atrest.private_key_from_der(atrest.private_key_to_der(key))
    assert envelope.fingerprint_sha256(again.public_key()) == envelope.fingerprint_sha256(
        key.public_key()
    )


def test_it_generates_rsa_3072_keys_with_the_usual_exponent():
    key = envelope.generate_private_key()
    assert key.key_size == 3072
    assert key.public_key().public_numbers().e == 65537


# Wrapping secrets at rest -------------------------------------------------

KEK = os.urandom(32)


def test_a_wrapped_secret_unwraps_with_the_same_context():
    blob = atrest.wrap(KEK, b"secret", context=b"server-key:k1")
    assert blob[0] == 0x01
    assert atrest.unwrap(KEK, blob, context=b"server-key:k1") == b"secret"


def test_wrapping_twice_gives_different_blobs():
    assert atrest.wrap(KEK, b"s", context=b"c") != atrest.wrap(KEK, b"s", context=b"c")


@pytest.mark.parametrize(
    ("kek", "mutate", "context"),
    [
        (KEK, lambda b: b, b"server-key:k2"),  # moved to another row or purpose
        (bytes(32), lambda b: b, b"server-key:k1"),  # another KEK
        (KEK, lambda b: _flip(b, len(b) - 1), b"server-key:k1"),  # tampered tag
        (KEK, lambda b: b"\x02" + b[1:], b"server-key:k1"),  # unknown version
        (KEK, lambda b: b[:20], b"server-key:k1"),  # truncated
        (bytes(16), lambda b: b, b"server-key:k1"),  # KEK of the wrong size
    ],
)
def test_unwrap_refuses_a_blob_it_should_not_open(kek, mutate, context):
    blob = atrest.wrap(KEK, b"secret", context=b"server-key:k1")
    with pytest.raises(envelope.DecryptFailed):
        atrest.unwrap(kek, mutate(blob), context=context)

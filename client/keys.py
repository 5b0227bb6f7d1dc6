"""The server's public key list: parsing it and choosing the key to log in with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from client import crypto
from client.errors import PinningError, ProtocolError

KEY_ALGORITHM = "RSA-OAEP-256"


@dataclass(frozen=True)
class ServerKey:
    kid: str
    public_key_pem: str = field(repr=False)
    fingerprint_sha256: str  # computed from the PEM, never copied from the key list
    primary: bool


def parse_server_keys(document: Any) -> list[ServerKey]:
    """The RSA-OAEP-256 keys of a public-key answer; entries of other algorithms are skipped."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ProtocolError("the public key answer holds no key list")
    keys = []
    for item in document["keys"]:
        if not isinstance(item, dict) or item.get("alg") != KEY_ALGORITHM:
            continue
        pem, kid = item.get("public_key_pem"), item.get("kid")
        if not isinstance(pem, str) or not isinstance(kid, str):
            raise ProtocolError("a server key lacks its kid or PEM")
        fingerprint = crypto.fingerprint_sha256(pem)
        keys.append(ServerKey(kid, pem, fingerprint, primary=item.get("primary") is True))
    return keys


def choose_key(keys: list[ServerKey], pins: set[str]) -> ServerKey:
    """The primary key; with pins, only a pinned key qualifies.

    During a rotation the list holds the new primary and the previous key and the
    server accepts both, so a client that pins only the previous key keeps working.
    """
    usable = [key for key in keys if not pins or key.fingerprint_sha256 in pins]
    if not usable:
        if pins:
            raise PinningError("the server offered no pinned public key")
        raise ProtocolError("the server offered no usable public key")
    return next((key for key in usable if key.primary), usable[0])

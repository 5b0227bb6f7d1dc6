"""Replay protection (docs/PROTOCOL.md, Replay).

A safe request's nonce is checked against the node's own store of the nonces seen in
the timestamp window (core/nodelocal.py): every worker of the node refuses a replay;
the other node may answer one, which changes nothing and yields nothing readable.
An unsafe request's nonce is recorded durably with its write
(replication/exactly_once.py), and replicates.
"""

from __future__ import annotations

import base64
import hashlib

from core.nodelocal import node_state


def key_scope(key: bytes) -> str:
    """Names a key without revealing it."""
    return hashlib.sha256(b"platform/nonce-scope/" + key).hexdigest()[:32]


def safe_nonce_first_sight(*, key: bytes, nonce_b64: str) -> bool:
    """Record a safe request's nonce on this node; False when seen before with this key."""
    scope = hashlib.sha256(b"platform/nonce-scope/" + key).digest()[:16]
    return node_state().first_sight(scope + base64.b64decode(nonce_b64))

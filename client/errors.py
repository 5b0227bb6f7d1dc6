"""Exceptions of the reference client. None of them carries keys or plaintext."""

from __future__ import annotations


class ClientError(Exception):
    """Base class of every error the client raises."""


class ConnectionFailed(ClientError):
    """The node could not be reached or the connection broke.

    `sent` is False only when the request certainly never left the client (the
    connection was refused or never established), which is when a non-idempotent
    request may safely be tried again.
    """

    def __init__(self, message: str, *, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent


class ProtocolError(ClientError):
    """A response broke the protocol: bad tag, missing header, unusable key list."""


class PinningError(ClientError):
    """The server offered no public key whose fingerprint is pinned."""


class NotLoggedIn(ClientError):
    """An encrypted request was attempted without a session."""


class AlreadyApplied(ClientError):
    """A write whose answer was lost was sent again and refused as a replay: the node had
    applied it. The write happened; its answer (e.g. a new object's id) is unknown."""

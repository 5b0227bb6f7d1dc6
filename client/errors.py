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


class OutcomeUnknown(ClientError):
    """An unsafe request may or may not have been applied, and resending the identical
    envelope gave no answer before its timestamp's window closed (or the resends ran
    out). Find out by reading before making a new request (docs/PROTOCOL.md, Retrying)."""

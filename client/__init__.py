"""Reference client of the platform's encrypted wire protocol (docs/PROTOCOL.md).

Independent of the server code: it is written from the protocol description and used
to check the server.
"""

from client.errors import (
    ClientError,
    ConnectionFailed,
    NotLoggedIn,
    OutcomeUnknown,
    PinningError,
    ProtocolError,
)
from client.keys import ServerKey
from client.known_keys import KnownKeys, UnknownServerKey
from client.response import Response
from client.session import PlatformClient, SessionState
from client.transport import RawResponse, RequestsTransport, Transport

__all__ = [
    "ClientError",
    "ConnectionFailed",
    "KnownKeys",
    "NotLoggedIn",
    "OutcomeUnknown",
    "PinningError",
    "PlatformClient",
    "ProtocolError",
    "RawResponse",
    "RequestsTransport",
    "Response",
    "ServerKey",
    "SessionState",
    "Transport",
    "UnknownServerKey",
]

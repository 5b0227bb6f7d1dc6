"""How a request reaches a node. PlatformClient only ever talks to a `Transport`.

`RequestsTransport` uses the network; tests plug in a transport that calls Django's
test client in-process. A transport must send `path_and_query` byte for byte as
given (the AAD covers it) and must not follow redirects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import requests
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import NewConnectionError

from client.errors import ConnectionFailed

USER_AGENT = "platform-client/1"


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes = field(repr=False)

    def __post_init__(self) -> None:
        # Header names are case-insensitive whatever mapping the transport hands over.
        object.__setattr__(self, "headers", CaseInsensitiveDict(self.headers))


class Transport(Protocol):
    def send(
        self,
        base_url: str,
        method: str,
        path_and_query: str,
        headers: dict[str, str],
        body: bytes,
        timeout: float,
    ) -> RawResponse: ...


class RequestsTransport:
    """HTTP(S) through one pooled `requests.Session`.

    `verify` is what requests verifies HTTPS servers with: True (the system's CAs) or
    the path of a CA bundle, e.g. the local cluster's own CA.
    """

    def __init__(
        self, session: requests.Session | None = None, *, verify: bool | str = True
    ) -> None:
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.verify = verify

    def send(
        self,
        base_url: str,
        method: str,
        path_and_query: str,
        headers: dict[str, str],
        body: bytes,
        timeout: float,
    ) -> RawResponse:
        url = base_url.rstrip("/") + path_and_query
        try:
            response = self.session.request(
                method,
                url,
                headers=headers,
                data=body or None,
                timeout=timeout,
                allow_redirects=False,
                # Per request: a Session's own `verify` loses to REQUESTS_CA_BUNDLE.
                verify=self.verify,
            )
        except requests.exceptions.SSLError as exc:
            reason = str(exc.args[0].reason if exc.args and hasattr(exc.args[0], "reason") else exc)
            raise ConnectionFailed(
                f"{method} {base_url} failed: TLS: {reason}", sent=not _never_sent(exc)
            ) from exc
        except requests.ConnectionError as exc:
            raise ConnectionFailed(
                f"{method} {base_url} failed: {type(exc).__name__}", sent=not _never_sent(exc)
            ) from exc
        except requests.Timeout as exc:
            raise ConnectionFailed(f"{method} {base_url} timed out", sent=True) from exc
        return RawResponse(response.status_code, dict(response.headers), response.content)

    def close(self) -> None:
        self.session.close()


def _never_sent(exc: BaseException) -> bool:
    """True when the connection itself failed, so no byte of the request left."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        item = todo.pop()
        if id(item) in seen or not isinstance(item, BaseException):
            continue
        seen.add(id(item))
        if isinstance(item, NewConnectionError):
            return True
        todo.extend([*item.args, getattr(item, "reason", None), item.__cause__, item.__context__])
    return False

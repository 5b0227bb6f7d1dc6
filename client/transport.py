"""How a request reaches a node. PlatformClient only ever talks to a `Transport`.

`RequestsTransport` uses the network; tests plug in a transport that calls Django's
test client in-process. A transport must send `path_and_query` byte for byte as
given (the AAD covers it) and must not follow redirects.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import requests
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import NewConnectionError

from client.errors import ClientError, ConnectionFailed

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
    """HTTP(S) through one pooled `requests.Session`: connections are kept alive and
    reused from one request to the next (one TLS handshake, not one per call).

    `verify` is how the server's certificate is checked: True against the system's
    CAs, or a path to the one CA file to trust (a company CA; `deploy/cluster up`
    prints the local cluster's). It cannot be turned off.
    """

    def __init__(
        self, session: requests.Session | None = None, *, verify: bool | str | os.PathLike = True
    ) -> None:
        if verify is not True:
            if verify is False or not Path(verify).is_file():
                raise ValueError(f"verify must be True or an existing CA file, not {verify!r}")
            verify = str(verify)
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.verify = verify

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
        prepared = self.session.prepare_request(
            requests.Request(method, url, headers=headers, data=body or None)
        )
        if prepared.path_url != path_and_query:
            raise ClientError(f"the target would not go out as signed: {path_and_query!r}")
        # What session.request would add (proxies from the environment), but the CA
        # chosen here is never replaced by REQUESTS_CA_BUNDLE.
        options = self.session.merge_environment_settings(
            prepared.url, {}, None, self.session.verify, None
        )
        try:
            response = self.session.send(
                prepared, timeout=timeout, allow_redirects=False, **options
            )
        except requests.exceptions.SSLError as exc:
            # The server's certificate did not verify (or TLS failed): say why.
            cause = exc.args[0] if exc.args else exc
            reason = getattr(cause, "reason", cause)
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
    """True when the connection itself failed, so no byte of the request left: refused,
    unreachable, or a server certificate that failed verification (in the handshake)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        item = todo.pop()
        if id(item) in seen or not isinstance(item, BaseException):
            continue
        seen.add(id(item))
        if isinstance(item, NewConnectionError | ssl.SSLCertVerificationError):
            return True
        todo.extend([*item.args, getattr(item, "reason", None), item.__cause__, item.__context__])
    return False

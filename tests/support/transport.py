"""A client transport that calls the Django app in-process, through the whole middleware.

Nothing is faked: the request goes through the real gateway and views, only without a
socket. The raw path is passed as RAW_URI, as gunicorn does, so percent-encoding
reaches the gateway exactly as the client sent it. Every error answer is recorded,
sealed ones opened, for the check against the API schema (tests/support/error_answers.py).
"""

from __future__ import annotations

from django.test import Client

from client.transport import RawResponse
from tests.support import error_answers


class InProcessTransport:
    def __init__(self, remote_addr: str = "127.0.0.1", *, django: Client | None = None) -> None:
        # Share `django` between transports to reach one app instance (one process).
        self.django = django or Client()
        self.remote_addr = remote_addr
        self.sent: list[tuple[str, str, dict, bytes]] = []

    def send(self, base_url, method, path_and_query, headers, body, timeout) -> RawResponse:
        self.sent.append((method, path_and_query, dict(headers), body))
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        response = self.django.generic(
            method,
            path_and_query,
            data=body,
            content_type="application/octet-stream",
            headers=headers,
            RAW_URI=path_and_query,
            REMOTE_ADDR=self.remote_addr,
        )
        error_answers.record(method, path_and_query, response)
        return RawResponse(response.status_code, dict(response.headers), response.content)

    def replay(self, index: int = -1) -> RawResponse:
        """Send a request captured earlier again, byte for byte."""
        method, path_and_query, headers, body = self.sent[index]
        return self.send("", method, path_and_query, headers, body, 10)

"""Error answers of the gateway, as Django responses with the one error body (core.errors).

The same body goes out plain (application/problem+json, RFC 9457) when the request could
not be authenticated, and sealed under the session key once it was.
"""

from __future__ import annotations

import json

from django.http import HttpResponse

from core.errors import PROBLEM_TYPE, CodeEnum, error_body, error_headers


def error_response(
    code: CodeEnum, *, detail: str | None = None, retry_after: int | None = None, **members
) -> HttpResponse:
    """A short answer: the code tells the client what to do, the log tells why."""
    body = error_body(code, detail=detail, retry_after_seconds=retry_after, **members)
    response = HttpResponse(json.dumps(body), status=code.status, content_type=PROBLEM_TYPE)
    for name, value in error_headers(body).items():
        response[name] = value
    return response


class Problem(Exception):
    """Raised inside the gateway to answer with a plain problem; `log` says why, to the log."""

    def __init__(self, code: CodeEnum, *, log: str = "", retry_after: int | None = None):
        super().__init__(code.value)
        self.code, self.log, self.retry_after = code, log, retry_after

    @property
    def status(self) -> int:
        return self.code.status

    def response(self) -> HttpResponse:
        return error_response(self.code, retry_after=self.retry_after)

"""Plain problem+json answers (RFC 9457) for errors found before a request is authenticated."""

from __future__ import annotations

import json
from http import HTTPStatus

from django.http import HttpResponse

PROBLEM_TYPE = "application/problem+json"


def problem_response(status: int, code: str, *, headers: dict | None = None) -> HttpResponse:
    """A short, generic answer: the code tells the client what to do, the log tells why."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
    }
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


class Problem(Exception):
    """Raised inside the gateway to answer with a plain problem."""

    def __init__(self, status: int, code: str, *, log: str = "", headers: dict | None = None):
        super().__init__(code)
        self.status, self.code, self.log, self.headers = status, code, log, headers or {}

    def response(self) -> HttpResponse:
        return problem_response(self.status, self.code, headers=self.headers)

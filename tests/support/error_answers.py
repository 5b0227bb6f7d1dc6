"""Every answer the in-process node gives, checked against the API schema.

`InProcessTransport` records each answer with a status of 400 or more: a plain one as it
came, a sealed one opened with the key the node sealed it with (in-process, the request
the node handled is at hand, so nothing is faked). `problems(answer)` says what in it
disagrees with the schema `manage.py spectacular` generates: the body against the
`Error` component, with no member the component does not name; and, where the schema
describes the operation, its status and code among those the operation lists.

Successful JSON answers of described operations are recorded too (`SUCCESSES`), and
`success_problems` checks each against the schema of its status: what a typed client
generated from the schema would fail to read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from client.crypto import open_response

# Every error answer received in this process, oldest first; and the successful ones.
RECORDED: list[ErrorAnswer] = []
SUCCESSES: list[ErrorAnswer] = []


@dataclass(frozen=True)
class ErrorAnswer:
    method: str
    path: str  # as sent, without the query
    status: int
    sealed: bool
    content_type: str
    body: bytes

    @property
    def code(self) -> str | None:
        try:
            data = json.loads(self.body)
        except ValueError:
            return None
        return data.get("code") if isinstance(data, dict) else None

    def __str__(self) -> str:
        form = "sealed" if self.sealed else "plain"
        return f"{self.method} {self.path} → {self.status} {form} {self.body[:300]!r}"


def record(method: str, path_and_query: str, response) -> None:
    """Keep `response` (a Django test response) if it has a body to check."""
    if method == "HEAD" or not response.content:  # HTTP drops a HEAD's body
        return
    sealed = "X-Tag" in response.headers
    content_type = response.headers.get("X-Content-Type" if sealed else "Content-Type", "")
    body = _opened(response) if sealed else response.content
    path = path_and_query.split("?", 1)[0]
    answer = ErrorAnswer(method, path, response.status_code, sealed, content_type, body)
    if answer.status >= 400:
        RECORDED.append(answer)
    elif content_type == "application/json" and operation(method, path) is not None:
        SUCCESSES.append(answer)


def _opened(response) -> bytes:
    opened = getattr(response.wsgi_request, "envelope", None)
    if opened is None:
        return b"<a sealed answer to a request the node did not open>"
    return open_response(
        key=opened.key,
        status=response.status_code,
        request_nonce_b64=opened.nonce_b64,
        content_type=response.headers["X-Content-Type"],
        nonce_b64=response.headers.get("X-Nonce"),
        tag_b64=response.headers.get("X-Tag"),
        ciphertext=response.content,
    )


@cache
def schema() -> dict:
    """The schema as `manage.py spectacular` writes it (docs/openapi.yaml when fresh)."""
    from drf_spectacular.settings import spectacular_settings

    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    return json.loads(json.dumps(generator.get_schema(request=None, public=True)))


@cache
def _error_validator():
    return _validator(json.dumps({"$ref": "#/components/schemas/Error"}))


@cache
def _validator(described: str):
    """A validator of one schema (as JSON text), its references resolved in the document."""
    from openapi_schema_validator import OAS30Validator, oas30_format_checker

    document = {**json.loads(described), "components": schema()["components"]}
    return OAS30Validator(document, format_checker=oas30_format_checker)


@cache
def _operations() -> list[tuple[re.Pattern, dict]]:
    out = []
    for template, item in schema()["paths"].items():
        parts = re.split(r"\{[^}]+\}", template)
        out.append((re.compile("^" + "[^/]+".join(map(re.escape, parts)) + "$"), item))
    return out


def operation(method: str, path: str) -> dict | None:
    """The schema's operation for `method` on `path`, if it describes one."""
    for pattern, item in _operations():
        if pattern.match(path):
            return item.get(method.lower())
    return None


def success_problems(answer: ErrorAnswer) -> list[str]:
    """What in a successful answer disagrees with its operation's schema."""
    listed = operation(answer.method, answer.path)["responses"].get(str(answer.status))
    if listed is None:
        return [f"{answer}: {answer.status} is not among the operation's responses"]
    media = listed.get("content", {}).get("application/json")
    if media is None:
        return [f"{answer}: the operation's {answer.status} has no JSON body"]
    validator = _validator(json.dumps(media["schema"], sort_keys=True))
    return [f"{answer}: {e.message[:200]}" for e in validator.iter_errors(json.loads(answer.body))]


def problems(answer: ErrorAnswer) -> list[str]:
    """What in `answer` disagrees with the schema (nothing, if it matches)."""
    if answer.content_type != "application/problem+json":
        return [f"{answer}: content type {answer.content_type!r}, not application/problem+json"]
    try:
        body = json.loads(answer.body)
    except ValueError:
        return [f"{answer}: the body is not JSON"]
    found = [f"{answer}: {e.message}" for e in _error_validator().iter_errors(body)]
    if not isinstance(body, dict):
        return found
    named = set(schema()["components"]["schemas"]["Error"]["properties"])
    found += [f"{answer}: member {m!r} is not in Error" for m in sorted(set(body) - named)]
    if body.get("status") != answer.status:
        found.append(f"{answer}: `status` says {body.get('status')}")
    found += _against_operation(answer, body.get("code"))
    return found


def _against_operation(answer: ErrorAnswer, code) -> list[str]:
    described = operation(answer.method, answer.path)
    if described is None:
        return []  # a path or method the API does not have (a typo, the test service)
    listed = described["responses"].get(str(answer.status))
    if listed is None:
        return [f"{answer}: {answer.status} is not among the operation's responses"]
    if code not in listed.get("x-error-codes", ()):
        return [f"{answer}: code {code!r} is not listed for {answer.status}"]
    return []

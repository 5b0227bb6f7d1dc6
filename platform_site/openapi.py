"""The OpenAPI schema of the decrypted API: what drf-spectacular cannot know by itself.

`manage.py spectacular` (and `/api/schema/`) describe every service under its code
(platform_site/api_schema.py). This module adds what a client generator needs and the
views do not say: every operation's error answers with the one `Error` body (derived by
platform_site/error_answers.py from what the operation is, not declared per handler),
the envelope as the security scheme, the list's `page`/`page_size` parameters, and
descriptions written for a client — a handler's own docstring, never a class docstring
meant for the code's readers. `docs/openapi.yaml` is its output, committed.
"""

from __future__ import annotations

import inspect
from http import HTTPStatus

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular import generators, openapi
from drf_spectacular.plumbing import force_instance, is_serializer
from rest_framework import serializers

from core.errors import PROBLEM_TYPE, RETRY_STATUSES, CodeEnum
from core.registry import public_paths, service_of_module, services
from gateway.middleware import LOGIN_PATH
from platform_site.error_answers import Operation, by_status, error_codes, own_codes
from services.base.pagination import Pagination
from services.base.permissions import ServiceGrant
from services.base.schema import VERSION_HELP, is_paginated

SCHEMA_URLCONF = "platform_site.api_schema"
PROTOCOL = "docs/PROTOCOL.md"


class SchemaGenerator(generators.SchemaGenerator):
    """The generator's default URLconf is the decrypted API's, not the site's root."""

    def __init__(self, *args, urlconf=None, **kwargs):
        super().__init__(*args, urlconf=urlconf or SCHEMA_URLCONF, **kwargs)


class ErrorSerializer(serializers.Serializer):
    """Every error answer, plain or sealed (`core.errors.error_body`): RFC 9457 problem
    details plus the platform's members. Act on `status` and `code`; ignore members you
    do not know."""

    type = serializers.CharField(help_text="`about:blank` (RFC 9457).")
    title = serializers.CharField(help_text="The HTTP status phrase.")
    status = serializers.IntegerField(min_value=400, max_value=599)
    code = serializers.CharField(
        help_text="What happened, for a program: one of the codes each response lists. "
        "New codes may come: a client that does not know one acts on the status."
    )
    detail = serializers.CharField(help_text="A sentence for a person, in English; never parse it.")
    fields = serializers.DictField(
        required=False,
        help_text="400 `invalid`: each invalid field to a list of messages (nested objects nest).",
    )
    current = serializers.DictField(
        required=False,
        help_text="409 `version_conflict`: the object as stored now, with its `version`.",
    )
    retry_after_seconds = serializers.IntegerField(
        required=False, min_value=0, help_text="429 and 503: when to try again, as `Retry-After`."
    )
    error_id = serializers.CharField(
        required=False, help_text="500: the failure's id in the node's log (also `X-Error-Id`)."
    )


SECURITY_SCHEMES = {
    "envelope": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Session-Id",
        "description": "The encrypted envelope of a session (docs/PROTOCOL.md §4): the body "
        "and the answer are sealed with AES-256-GCM under the session key from login; "
        "`X-Session-Id`, `X-Nonce`, `X-Timestamp` and `X-Tag` go with every request. The "
        "schema describes the JSON inside.",
    },
    "login_envelope": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Encrypted-Key",
        "description": "The login's envelope (docs/PROTOCOL.md §5): no session yet; "
        "`X-Key-Id` names the server key and `X-Encrypted-Key` carries the new session key, "
        "RSA-OAEP-256 encrypted.",
    },
}
HEADERS = {
    "Retry-After": {
        "description": "Seconds to wait before trying again (also `retry_after_seconds`).",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-Error-Id": {
        "description": "The failure's id in the node's log (also `error_id`).",
        "schema": {"type": "string"},
    },
}


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        facts = self._facts(operation)
        if facts.paginated:
            operation.setdefault("parameters", []).extend(PAGE_PARAMETERS)
        notes = [operation.pop("description", ""), *self._notes(facts)]
        described = {"operationId": operation.pop("operationId")}
        described["description"] = "\n\n".join(note for note in notes if note)
        for status, response in operation["responses"].items():
            response["description"] = response.get("description") or HTTPStatus(int(status)).phrase
        operation["responses"].update(self._error_responses(error_codes(facts)))
        return {**described, **operation}

    def get_description(self) -> str:
        """The handler's own docstring: the view class's is written for the code's readers."""
        handler = getattr(self.view, self.method.lower(), None)
        return prose(handler.__doc__) if handler and handler.__doc__ else ""

    def get_auth(self):
        if self.path in public_paths():
            return []
        return [{"login_envelope": []}] if self.path == LOGIN_PATH else [{"envelope": []}]

    def _facts(self, operation: dict) -> Operation:
        config = service_of_module(type(self.view).__module__)
        places = {p["in"] for p in operation.get("parameters", [])}
        names = {p["name"] for p in operation.get("parameters", [])}
        return Operation(
            method=self.method,
            public=self.path in public_paths(),
            login=self.path == LOGIN_PATH,
            has_body="requestBody" in operation,
            has_query="query" in places,
            has_object_id="path" in places,
            paginated=self._paginated(),
            takes_version="version" in names | self._request_fields(operation),
            requires_grant=bool(config and config.requires_grant),
            checks_action=any(isinstance(p, ServiceGrant) for p in self.view.get_permissions()),
            has_home=bool(config and config.has_home),
            may_switch_off=bool(config and config.may_switch_off),
            own_codes=own_codes(config),
        )

    def _paginated(self) -> bool:
        responses = self.get_response_serializers()
        candidates = responses.values() if isinstance(responses, dict) else [responses]
        return any(is_paginated(candidate) for candidate in candidates)

    def _request_fields(self, operation: dict) -> set[str]:
        if "requestBody" not in operation:
            return set()
        serializer = self.get_request_serializer()
        return set(force_instance(serializer).fields) if is_serializer(serializer) else set()

    def _notes(self, facts: Operation) -> list[str]:
        config = service_of_module(type(self.view).__module__)
        if facts.public:
            return []
        if facts.login:
            return [f"Sent in the login envelope ({PROTOCOL} §5); the answer is sealed."]
        if facts.checks_action and config is not None:
            action = "write" if facts.unsafe else "read"
            return [f"Needs at least the `{action}` grant on `{config.code}`."]
        return ["Needs a session."]

    def _error_responses(self, codes: list[CodeEnum]) -> dict[str, dict]:
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        responses = {}
        for status, members in by_status(codes).items():
            lines = "\n".join(f"- `{code.value}`: {code.meaning}" for code in members)
            response = {
                "description": f"{HTTPStatus(status).phrase}; `code` says why:\n\n{lines}",
                "content": {PROBLEM_TYPE: {"schema": error}},
                "x-error-codes": [code.value for code in members],
            }
            if status in RETRY_STATUSES:
                response["headers"] = {"Retry-After": HEADERS["Retry-After"]}
            elif status == 500:
                response["headers"] = {"X-Error-Id": HEADERS["X-Error-Id"]}
            responses[str(status)] = response
        return responses

    def _get_response_bodies(self, direction="response"):
        # drf-spectacular makes every DELETE a 204; ours declare `{204: None}` when they
        # answer nothing, so a DELETE declared with a serializer answers it with a 200.
        declared = self.get_response_serializers()
        if self.method == "DELETE" and is_serializer(declared):
            return {"200": self._get_response_for_code(declared, "200", direction=direction)}
        return super()._get_response_bodies(direction)

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        description = self._component_description(force_instance(serializer), direction)
        if description:
            schema["description"] = description
        else:
            schema.pop("description", None)
        return schema

    def _component_description(self, serializer, direction) -> str:
        """A serializer's own docstring (not its base's), unless it describes the output
        of a model a request only creates, or the checks of an update."""
        own = type(serializer).__dict__.get("__doc__")
        name = _model_name(serializer)
        target = _model_name(getattr(self.view, "serializer_class", None)) or "object"
        if is_paginated(serializer):
            return "One page of a list: `count` rows in all, `next` and `previous` pages."
        if direction == "request" and name:
            return f"A new {name}: the fields the client sets (the server sets the rest)."
        if direction == "request" and self.method == "PATCH":
            return (
                f"Changes to {_a(target)} {target}: the `version` you read and the fields to "
                "change; a field left out keeps its value."
            )
        if own:
            return prose(own)
        if direction == "request" and "version" in serializer.fields:
            return f"An action on {_a(target)} {target}, naming the `version` you read."
        return f"{_a(name).capitalize()} {name}, as stored." if name else ""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        # DRF drops allow_blank from a read-only field, but a blank model field still
        # answers "" (a step not yet decided): the enum must hold it, or a typed client
        # fails to read the answer.
        if isinstance(field, serializers.ChoiceField) and field.read_only and _blank(field):
            field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        versioned = isinstance(field, serializers.IntegerField) and field.field_name == "version"
        if versioned and "description" not in meta:
            meta["description"] = VERSION_HELP if direction == "request" else VERSION_OUT
        return meta


def _model_name(serializer) -> str | None:
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    return str(model._meta.verbose_name) if model is not None else None


def _blank(field) -> bool:
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    try:
        return bool(model and model._meta.get_field(field.source).blank)
    except FieldDoesNotExist:  # not a model field (a method, a property)
        return False


def _a(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def prose(doc: str) -> str:
    """A docstring as paragraphs on one line each (its line breaks are the source's)."""
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


VERSION_OUT = "Counts the object's changes: send it back with a change or a delete."
PAGE_PARAMETERS = [
    {
        "in": "query",
        "name": Pagination.page_query_param,
        "schema": {"type": "integer", "minimum": 1},
        "description": "The page to answer, from 1; a page past the last is 404 `not_found`.",
    },
    {
        "in": "query",
        "name": Pagination.page_size_query_param,
        "schema": {"type": "integer", "minimum": 1, "maximum": Pagination.max_page_size},
        "description": f"Rows per page (default {Pagination.page_size}, "
        f"at most {Pagination.max_page_size}).",
    },
]

DESCRIPTION = prose(
    f"""The JSON inside the platform's encrypted envelope, for every service.

    Every request and answer travels sealed (AES-256-GCM) as {PROTOCOL} describes; a
    client seals what this schema describes and opens what comes back, then reads it as
    shown here. The key list (`GET /api/v1/credential/public-key`) alone travels plain.

    Errors have one body, `Error`: plain (`application/problem+json`) when the request
    could not be authenticated, sealed once it was. Each operation lists the statuses and
    codes it can answer with. Changes and deletes name the `version` they read: a stale
    one is answered 409 `version_conflict` with the object as it is now."""
)


def describe_document(result, generator, request, public):
    """Postprocessing hook: the document's description, security schemes and tags."""
    result["info"]["description"] = DESCRIPTION
    result.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    result["tags"] = [
        {"name": config.code, "description": config.display_name} for config in services()
    ]
    return result

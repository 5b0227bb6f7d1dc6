"""DRF glue shared by every API view: who the caller is, and one error shape.

Every service's error body is `{"code": ..., "detail": ..., "fields": {...}}`; `fields`
appears on validation errors and maps each field to its messages. A stale `version`
carries the current object under `current`. An exception may set `platform_code` (the
`code`) and `extra` (more top-level members, kept as data).
"""

from __future__ import annotations

from rest_framework import exceptions, parsers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.response import Response

CODES = {
    status.HTTP_400_BAD_REQUEST: "invalid",
    status.HTTP_401_UNAUTHORIZED: "not_authenticated",
    status.HTTP_403_FORBIDDEN: "permission_denied",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_406_NOT_ACCEPTABLE: "not_acceptable",
    status.HTTP_409_CONFLICT: "conflict",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    status.HTTP_429_TOO_MANY_REQUESTS: "throttled",
}


class GatewayAuthentication(BaseAuthentication):
    """The gateway already authenticated the caller: `request.credential` says who."""

    def authenticate(self, request):
        credential = getattr(request._request, "credential", None)
        if credential is None:
            return None
        return credential.user, credential

    def authenticate_header(self, request):
        return "Envelope"  # makes DRF answer 401, not 403, to unauthenticated calls


def exception_handler(exc, context):
    # Imported here: rest_framework.views loads the authentication class above.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, OverflowError):
        # An integer past the database's range in a filter or id (SQLite raises it).
        return Response({"code": "invalid", "detail": "A number is out of range."}, status=400)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: the gateway logs it and answers 500 with an id
    body: dict = {"code": CODES.get(response.status_code, "error")}
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        body["code"] = "invalid"
        body["detail"] = "Some fields are not valid."
        body["fields"] = detail if isinstance(detail, dict) else {"non_field_errors": detail}
    elif isinstance(detail, dict):
        code = getattr(exc, "default_code", None)
        if isinstance(exc, exceptions.APIException) and hasattr(exc, "platform_code"):
            code = exc.platform_code
        body["detail"] = detail.get("detail", "")
        body["code"] = str(code) if code and code not in ("error", "invalid") else body["code"]
        body.update({k: v for k, v in detail.items() if k != "detail"})
    else:
        body["detail"] = detail
        if hasattr(exc, "platform_code"):
            body["code"] = exc.platform_code
    body.update(getattr(exc, "extra", {}))
    return Response(body, status=response.status_code, headers=_retry_after(response))


def _retry_after(response) -> dict:
    return {"Retry-After": response["Retry-After"]} if "Retry-After" in response else {}


def has_lone_surrogate(data) -> bool:
    """JSON may escape half a UTF-16 pair ("\\ud800"), which no UTF-8 text can hold."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's parser, refusing what it lets through as a server error: JSON nested past the
    interpreter's recursion limit, and text with lone surrogates."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON nested too deeply.") from None
        if has_lone_surrogate(data):
            raise exceptions.ParseError("Text must be valid Unicode (a lone surrogate).")
        return data

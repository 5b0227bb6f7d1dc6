"""DRF glue shared by every API view: who the caller is, the one error body, the parser.

Every error a view raises is answered with `core.errors.error_body`: validation errors
carry `fields` (each field to its messages), a version conflict carries `current` (the
object as the view's own serializer renders it, see `ServiceError`/`VersionConflict`),
throttling carries `retry_after_seconds` and a `Retry-After` header.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, parsers
from rest_framework.authentication import BaseAuthentication
from rest_framework.response import Response

from core.activeactive import VersionConflict
from core.errors import PROBLEM_TYPE, CodeEnum, ErrorCode, error_body, error_headers

# DRF's own exceptions, by class, to the platform's codes.
DRF_CODES: tuple[tuple[type, ErrorCode], ...] = (
    (exceptions.ValidationError, ErrorCode.INVALID),
    (exceptions.ParseError, ErrorCode.PARSE_ERROR),
    (exceptions.NotAuthenticated, ErrorCode.NOT_AUTHENTICATED),
    (exceptions.AuthenticationFailed, ErrorCode.NOT_AUTHENTICATED),
    (exceptions.PermissionDenied, ErrorCode.PERMISSION_DENIED),
    (exceptions.NotFound, ErrorCode.NOT_FOUND),
    (exceptions.MethodNotAllowed, ErrorCode.METHOD_NOT_ALLOWED),
    (exceptions.NotAcceptable, ErrorCode.NOT_ACCEPTABLE),
    (exceptions.UnsupportedMediaType, ErrorCode.UNSUPPORTED_MEDIA_TYPE),
    (exceptions.Throttled, ErrorCode.RATE_LIMITED),
)


class ServiceError(exceptions.APIException):
    """A refusal with a declared code (a `CodeEnum` member): its status comes with it."""

    def __init__(self, code: CodeEnum, detail: str | None = None, **members) -> None:
        super().__init__(detail or code.meaning)
        self.code, self.status_code, self.members = code, code.status, members


class GatewayAuthentication(BaseAuthentication):
    """The gateway already authenticated the caller: `request.credential` says who."""

    def authenticate(self, request):
        credential = getattr(request._request, "credential", None)
        if credential is None:
            return None
        return credential.user, credential

    def authenticate_header(self, request):
        return "Envelope"  # makes DRF answer 401, not 403, to unauthenticated calls


def error_response(code: CodeEnum, *, detail: str | None = None, **members) -> Response:
    body = error_body(code, detail=detail, **members)
    return Response(
        body, status=code.status, headers=error_headers(body), content_type=PROBLEM_TYPE
    )


def exception_handler(exc, context):
    """Every API error as the one error body; None for what is not an API error (a 500)."""
    if isinstance(exc, ServiceError):
        return error_response(exc.code, detail=str(exc.detail), **exc.members)
    if isinstance(exc, VersionConflict):
        view = context.get("view")
        render = getattr(view, "render_current", None)
        current = render(exc.current) if render else {"id": exc.current.pk}
        return error_response(ErrorCode.VERSION_CONFLICT, current=current)
    if isinstance(exc, OverflowError):
        # An integer past the database's range in a filter or id (SQLite raises it).
        return error_response(ErrorCode.INVALID, detail="A number is out of range.")
    if isinstance(exc, ObjectDoesNotExist):
        return error_response(ErrorCode.NOT_FOUND)  # gone between the read and the write
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # not an API error: the gateway logs it and answers 500 with an id
    return _drf_error(exc)


def _drf_error(exc: exceptions.APIException) -> Response:
    code = next((c for cls, c in DRF_CODES if isinstance(exc, cls)), ErrorCode.CONFLICT)
    if code is ErrorCode.INVALID and isinstance(exc, exceptions.ValidationError):
        data = exc.detail
        fields = data if isinstance(data, dict) else {"non_field_errors": data}
        return error_response(code, fields=fields)
    if code is ErrorCode.RATE_LIMITED:
        return error_response(code, retry_after_seconds=max(1, int(exc.wait or 1)))
    detail = exc.detail
    text = detail.get("detail") if isinstance(detail, dict) else detail
    return error_response(code, detail=str(text) if text else None)


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

"""An unsafe request, applied at most once (replication/exactly_once.py is the mechanism).

The request runs inside one transaction on the database that takes its write — the home
database for a home-node service, else this node's own — which first records the
request (its nonce and the digest of its envelope), then runs the view, then stores the
sealed answer, then commits: the write, its record and its answer together.

- the nonce already recorded, for this same envelope: its original answer, as sent;
  for a different request: 401 `replayed_nonce`;
- the request old enough to be a client's resend: the other database is asked first
  (a copy of it may be in flight there); if it cannot tell now, 503 `outcome_unknown`;
- a failure before the commit (the database down, a 5xx from the view): rolled back,
  the answer says nothing was applied; a failure *at* the commit: 503 `outcome_unknown`,
  because the commit may have happened — never "nothing applied".
"""

from __future__ import annotations

import logging

from django.db import Error, transaction
from django.http import HttpResponse

from core.errors import ErrorCode
from core.homewrites import HomeMoving, NotTheHome
from credential.audit import Kind, audit
from gateway import certification, channel
from gateway.problems import error_response
from gateway.replay import key_scope
from gateway.routing import routes
from replication import exactly_once, guard
from replication.homes import homes
from replication.routers import home_alias, read_from_home

logger = logging.getLogger("platform.gateway")
API_PREFIX = "/api/v1/"


def write_alias(request) -> str:
    """The database that takes this request's write, hence its record. A home-node
    service whose home is being moved refuses at once (HomeMoving)."""
    code = request.path_info[len(API_PREFIX) :].split("/", 1)[0]
    route = routes.get(code)
    if route is not None and route.home_node_policy:
        if homes.moving_to(code) is not None:
            raise HomeMoving(f"the home of {code} is moving", code=code)
        request.home_code = code
        read_from_home(code)
        return home_alias(code)
    return "default"


def apply(request, opened, respond) -> HttpResponse:
    """Run `respond()` (the view, sealed) once for this request, or answer as it was.

    On Galera an attempt that loses certification was applied nowhere: it is run again
    (gateway/certification.py)."""
    return certification.retrying(request, opened, lambda: _attempt(request, opened, respond))


def _attempt(request, opened, respond) -> HttpResponse:
    try:
        alias = write_alias(request)
    except HomeMoving:
        return _moving(request, opened)
    scope, nonce = key_scope(opened.key), opened.nonce_b64
    committing = False
    try:
        with transaction.atomic(using=alias):
            if getattr(request, "home_code", None):
                # The home's own word, under a lock held to the commit (a move's fence).
                guard.hold(transaction.get_connection(alias), request.home_code)
            prior = exactly_once.claim(
                alias=alias,
                scope=scope,
                nonce=nonce,
                digest=opened.digest,
                method=request.method,
                path=request.path_info,
            )
            if (
                prior is None
                and alias == "default"
                and exactly_once.possibly_a_resend(opened.timestamp_ms)
            ):
                prior = exactly_once.fence_check(scope=scope, nonce=nonce, digest=opened.digest)
                if prior is not None:
                    transaction.set_rollback(True, using=alias)  # this copy is not applied
            if prior is not None:
                return _as_before(request, prior)
            sealed = respond()
            if certification.lost(request):
                transaction.set_rollback(True, using=alias)
                raise certification.CertificationFailed
            if sealed.status_code >= 500:
                transaction.set_rollback(True, using=alias)  # nothing of it is kept
                return sealed
            stored = exactly_once.record_answer(
                alias=alias, scope=scope, nonce=nonce, answer=_answer_of(sealed)
            )
            if not stored and certification.enabled():  # aborted under us: nothing applied
                transaction.set_rollback(True, using=alias)
                raise certification.CertificationFailed
            committing = True
        return sealed
    except (HomeMoving, NotTheHome):
        return _moving(request, opened)  # nothing was applied: the hand-over is under way
    except exactly_once.OutcomeUnknown as exc:
        logger.warning("outcome unknown", extra={"path": request.path_info, "reason": str(exc)})
        return _unknown(request, opened)
    except Error as exc:  # DatabaseError, or InterfaceError for a connection found closed
        if certification.is_failure(exc):  # at the COMMIT or before: rolled back everywhere
            raise certification.CertificationFailed from exc
        if committing:
            logger.warning("commit failed", exc_info=True, extra={"path": request.path_info})
            return _unknown(request, opened)
        code = ErrorCode.HOME_UNAVAILABLE if alias != "default" else ErrorCode.DATABASE_UNAVAILABLE
        logger.warning("database failed", exc_info=True, extra={"path": request.path_info})
        request.outcome = code.value
        return channel.seal(error_response(code, retry_after=1), opened)
    finally:
        exactly_once.forget_effects()


def _as_before(request, prior: exactly_once.Prior) -> HttpResponse:
    if not prior.identical:
        request.outcome = ErrorCode.REPLAYED_NONCE.value
        path = request.path_info
        logger.warning("request refused", extra={"code": "replayed_nonce", "path": path})
        audit(Kind.REPLAY, address=request.META.get("REMOTE_ADDR"), path=path[:200])
        return error_response(ErrorCode.REPLAYED_NONCE)
    request.outcome = "resent"
    answer = prior.answer
    response = HttpResponse(answer.body, status=answer.status)
    for name, value in answer.headers.items():
        response[name] = value
    return response


def _answer_of(sealed: HttpResponse) -> exactly_once.Answer:
    headers = {name: value for name, value in sealed.items() if name in ANSWER_HEADERS}
    return exactly_once.Answer(sealed.status_code, headers, bytes(sealed.content))


# The headers of a sealed answer worth giving again (not the request id or server time).
ANSWER_HEADERS = frozenset(
    {"Content-Type", "X-Content-Type", "X-Nonce", "X-Tag", "Retry-After", "Allow", "Cache-Control"}
)


def _moving(request, opened) -> HttpResponse:
    request.outcome = ErrorCode.HOME_MOVING.value
    answer = error_response(ErrorCode.HOME_MOVING, retry_after=HomeMoving.retry_after)
    return channel.seal(answer, opened)


def _unknown(request, opened) -> HttpResponse:
    request.outcome = ErrorCode.OUTCOME_UNKNOWN.value
    return channel.seal(error_response(ErrorCode.OUTCOME_UNKNOWN, retry_after=1), opened)

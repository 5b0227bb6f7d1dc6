"""Which error answers an operation can give, derived from what it is (for the schema).

Every operation of the API meets the same gateway on its way in, so most of its error
answers follow from a few facts about it: does it travel in the envelope (and with a
session, or as the login), does it take a body, query parameters, an object id, a
`version`, does its service check grants, have a home node, may an admin switch it off.
A service's own refusal codes (its `errors.py`) come on top: its 403s on every
operation, since reads can be refused by an object rule too, and its 409s on the
operations that change something.

`tests/fast/conftest.py` checks every error answer the fast tests receive against
what the schema lists here, so a code missing from this derivation fails a test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module

from core.errors import CodeEnum, ErrorCode
from core.registry import ServiceConfig

E = ErrorCode


@dataclass(frozen=True)
class Operation:
    """What the error answers of one operation depend on."""

    method: str
    public: bool = False  # outside the envelope (the key list)
    login: bool = False  # the envelope without a session
    has_body: bool = False
    has_query: bool = False
    has_object_id: bool = False
    paginated: bool = False
    takes_version: bool = False
    requires_grant: bool = False  # the gateway refuses callers with no grant at all
    checks_action: bool = False  # the view checks read/write/admin on its service
    has_home: bool = False
    may_switch_off: bool = False
    own_codes: tuple[CodeEnum, ...] = field(default=())

    @property
    def unsafe(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")


def error_codes(op: Operation) -> list[CodeEnum]:
    """Every code the operation can answer with, in the order of the request's path."""
    if op.public:
        return [*_routing(op), E.OUTCOME_UNKNOWN]
    codes: list[CodeEnum] = [E.MALFORMED_REQUEST, E.BODY_TOO_LARGE, E.RATE_LIMITED]
    codes += [E.STALE_TIMESTAMP, E.DECRYPT_FAILED, E.REPLAYED_NONCE]
    if op.login:
        codes += [E.UNKNOWN_KEY, E.INVALID_CREDENTIALS, E.LOCKED_OUT]
    else:
        codes += [E.SESSION_REQUIRED, E.SESSION_INVALID, E.SESSION_EXPIRED]
    codes += _routing(op)
    if op.requires_grant:
        codes.append(E.NO_GRANT)
    codes += _view(op)
    codes += [E.SERVER_ERROR, E.DATABASE_UNAVAILABLE, E.STATEMENT_TIMEOUT, E.OUTCOME_UNKNOWN]
    if op.unsafe and op.has_home:
        codes.append(E.HOME_UNAVAILABLE)
    if op.unsafe and not op.public:
        codes.append(E.CONFLICT)  # on Galera: every attempt lost certification (nothing applied)
    return codes


def _routing(op: Operation) -> list[CodeEnum]:
    switched_off = [E.SERVICE_DISABLED, E.MAINTENANCE] if op.may_switch_off else []
    return [*switched_off, E.SERVICE_UNAVAILABLE]


def _view(op: Operation) -> list[CodeEnum]:
    codes: list[CodeEnum] = []
    if op.method in ("GET", "DELETE"):
        codes.append(E.INVALID_PAYLOAD)  # the payload of these is a query object
    if op.has_body:
        codes.append(E.PARSE_ERROR)
    if op.has_body or op.has_query:
        codes.append(E.INVALID)
    if op.checks_action:
        codes.append(E.MISSING_GRANT)
    if op.has_object_id or op.paginated:
        codes.append(E.NOT_FOUND)  # no such object, or a page past the last
    if op.takes_version:
        codes.append(E.VERSION_CONFLICT)
    codes += [c for c in op.own_codes if c.status == 403 or (op.unsafe and c.status == 409)]
    return codes


def by_status(codes: list[CodeEnum]) -> dict[int, list[CodeEnum]]:
    grouped: dict[int, list[CodeEnum]] = {}
    for code in codes:
        if code not in grouped.setdefault(code.status, []):
            grouped[code.status].append(code)
    return dict(sorted(grouped.items()))


def own_codes(config: ServiceConfig | None) -> tuple[CodeEnum, ...]:
    """The refusal codes a service declares in its `errors.py` (none if it has none)."""
    if config is None:
        return ()
    try:
        module = import_module(f"{config.name}.errors")
    except ModuleNotFoundError:
        return ()
    enums = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, CodeEnum) and value is not CodeEnum
    ]
    return tuple(member for enum in enums if enum.__module__ == module.__name__ for member in enum)

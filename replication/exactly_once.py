"""Exactly-once unsafe requests: the record that a request was applied, and its answer.

docs/ARCHITECTURE.md (data rules) states the rule and docs/PROTOCOL.md (Replay,
Retrying) the client's side; this module is the mechanism.

- The record of an unsafe request — its key scope and nonce, a digest of the sealed
  request, and the sealed answer — is written **in the request's own transaction, on the
  database that takes its write** (this node's own, or the home database for a home-node
  service), so a write and its record commit together or not at all.
- A resend of the identical envelope finds the record and gets the original answer,
  byte for byte: on that database at once, on the other once replicated. A different
  request under a used nonce is refused (`replayed_nonce`).
- What a database cannot see is a copy of the request still in flight on the *other*
  database (replication shows committed rows only). A client resends only the identical
  envelope, and only RESEND_AFTER_SECONDS after its timestamp. So a request older than
  FRESH_SECONDS by this node's clock may be a resend: before it is applied, its own record
  is inserted (taking the key's lock here) and the other database is asked with a
  locking read that does not wait (`NOWAIT`). A committed record there gives its answer;
  a record still being written there, or a database that does not answer within
  FENCE_TIMEOUT_SECONDS, gives 503 `outcome_unknown` (nothing applied here: the client
  resends later); no record lets it go ahead. A fresh request is applied without asking:
  with node clocks within the skew the platform measures (`PLATFORM_MAX_CLOCK_SKEW_MS`),
  any earlier copy of it was recorded before a resend could be fresh anywhere.
- Where a client breaks those rules, or clocks drift past that bound, a request may be
  applied on both databases. Both records replicate, so `doubles()` finds the pair and
  `repair()` undoes the later application (dry run by default, `manage.py
  request_doubles`).
"""

from __future__ import annotations

import contextvars
import hashlib
import time
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import Error, IntegrityError, OperationalError, transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from core.nodelocal import node_state
from replication.models import RequestRecord, RequestRepair

# A request younger than this (by this node's clock) cannot be a resend: clients resend
# only RESEND_AFTER_SECONDS after the timestamp (docs/PROTOCOL.md, Retrying).
FRESH_SECONDS = 1.0
RESEND_AFTER_SECONDS = 3.0
# How long the other database may take to answer the fence check.
FENCE_TIMEOUT_SECONDS = 1  # the peer_fence connection's timeouts (platform_site/settings.py)
# Errors of a locking read that does not wait: the row is held by a writer right now.
LOCKED_ERRNOS = {1205, 3572}  # MariaDB lock wait (NOWAIT), MySQL ER_LOCK_NOWAIT
FENCE_ALIAS = "peer_fence"
# After the other database failed to answer, how long every worker of this node answers
# a possible resend `outcome_unknown` at once instead of asking again.
FENCE_DOWN = "fence-down"
FENCE_PAUSE_SECONDS = 5.0
GALERA_DB_INDEX = 0  # the one database of a Galera cluster (db_index_of)


class OutcomeUnknown(Exception):
    """The other database cannot say now whether it applied the request."""


@dataclass(frozen=True)
class Answer:
    """A recorded answer, as it was sealed and sent."""

    status: int
    headers: dict
    body: bytes


@dataclass(frozen=True)
class Prior:
    """What a database holds for this nonce: the original's answer, or another request's."""

    identical: bool
    answer: Answer | None


def digest(*, tag_b64: str, body: bytes) -> str:
    """Names an envelope: under one key and nonce, the GCM tag covers all the rest."""
    return hashlib.sha256(tag_b64.encode() + b"\n" + body).hexdigest()


def db_index_of(alias: str) -> int:
    """The node index of the database behind `alias`: its records carry that index and
    are only ever written there, so no two databases insert the same UNIQUE key.

    On Galera every node writes the one logical database: every record carries 0, so
    the UNIQUE key, certified cluster-wide, itself refuses a second application anywhere.
    """
    if settings.PLATFORM_DB_ENGINE == "galera":
        return GALERA_DB_INDEX
    if alias == "default":
        return settings.PLATFORM_NODE_INDEX
    return 3 - settings.PLATFORM_NODE_INDEX  # the pair's other node


def _prior(record: RequestRecord, wanted: str) -> Prior:
    if record.digest != wanted:
        return Prior(identical=False, answer=None)
    answer = Answer(record.status, record.answer_headers, bytes(record.answer_body))
    return Prior(identical=True, answer=answer)


def _records(alias: str, scope: str, nonce: str):
    return RequestRecord.objects.using(alias).filter(scope=scope, nonce=nonce)


def claim(*, alias: str, scope: str, nonce: str, digest: str, method: str, path: str):
    """Inside the request's transaction on `alias`: the prior record of this nonce, if
    this database holds one (from either node), else None with this request now claimed.

    A concurrent claim of the same nonce on this database makes the insert wait for that
    transaction; if it commits, its record is the prior one.
    """
    found = _records(alias, scope, nonce).order_by("db_index").first()
    if found is not None:
        return _prior(found, digest)
    try:
        with transaction.atomic(using=alias):
            claimed = RequestRecord.objects.using(alias).create(
                scope=scope,
                nonce=nonce,
                db_index=db_index_of(alias),
                digest=digest,
                method=method,
                path=path[:300],
            )
    except IntegrityError:
        found = _records(alias, scope, nonce).select_for_update().first()
        if found is None:
            raise OutcomeUnknown("a concurrent claim vanished") from None
        return _prior(found, digest)
    _effects.set([])
    _claimed.set(claimed.pk)
    return None


def record_answer(*, alias: str, scope: str, nonce: str, answer: Answer) -> int:
    """Store the sealed answer on the claimed record (same transaction as the write).

    Returns the records updated: 1, or 0 when the transaction that claimed it is gone (on
    Galera a replicated write set can abort it, and the error may have reached code that
    swallowed it; the statements after it then run in a new transaction)."""
    stored = (
        RequestRecord.objects.using(alias)
        .filter(pk=_claimed.get(), scope=scope, nonce=nonce, db_index=db_index_of(alias))
        .update(
            status=answer.status,
            answer_headers=answer.headers,
            answer_body=answer.body,
            effects=_effects.get() or [],
        )
    )
    _effects.set(None)
    return stored


def fence_check(*, scope: str, nonce: str, digest: str) -> Prior | None:
    """Ask the other database, without waiting on its locks, what it holds for this nonce.

    Returns its record (committed there) or None (nothing there, and nothing being
    written). Raises OutcomeUnknown when its record is being written right now or the
    database does not answer within the fence's timeout.
    """
    if FENCE_ALIAS not in settings.DATABASES:
        return None  # a single node: there is no other database
    state = node_state()
    if state.flag_raised(FENCE_DOWN):
        # It did not answer a moment ago: say so at once rather than hold a worker for
        # the fence's timeout on every old request (a stalled peer must not stall us).
        raise OutcomeUnknown("the other database did not answer a moment ago")
    try:
        with transaction.atomic(using=FENCE_ALIAS):
            found = _records(FENCE_ALIAS, scope, nonce).select_for_update(nowait=True).first()
    except OperationalError as exc:
        errno = exc.args[0] if exc.args else None
        if errno in LOCKED_ERRNOS:
            raise OutcomeUnknown("the other database: its record is being written") from exc
        state.raise_flag(FENCE_DOWN, seconds=FENCE_PAUSE_SECONDS)
        raise OutcomeUnknown("the other database did not answer") from exc
    except Error as exc:
        state.raise_flag(FENCE_DOWN, seconds=FENCE_PAUSE_SECONDS)
        raise OutcomeUnknown("the other database did not answer") from exc
    return None if found is None else _prior(found, digest)


def possibly_a_resend(timestamp_ms: int, *, now: float | None = None) -> bool:
    """Whether a request this old may be a client's resend of one sent elsewhere."""
    now = time.time() if now is None else now
    return now - timestamp_ms / 1000 >= FRESH_SECONDS


# What the request being applied created or changed, for the record (see `repair`).
_effects: contextvars.ContextVar[list | None] = contextvars.ContextVar("effects", default=None)
# The record this request's transaction inserted: its answer goes on that row only.
_claimed: contextvars.ContextVar = contextvars.ContextVar("claimed", default=None)


def note_effect(sender, instance, created: bool, **kwargs) -> None:
    """post_save receiver: remember a row the unsafe request being applied wrote."""
    effects = _effects.get()
    if effects is not None and len(effects) < 100 and sender._meta.app_label != "replication":
        pk = instance.pk if isinstance(instance.pk, int) else str(instance.pk)
        effects.append([sender._meta.label_lower, pk, created])


def forget_effects() -> None:
    _effects.set(None)


def records_prunable():
    """Records this database holds under its own index, older than any timestamp still
    accepted and than RECORD_RETENTION (kept so a double can still be found), unless part
    of a double not yet repaired."""
    from datetime import timedelta

    keep = max(
        timedelta(seconds=2 * settings.PLATFORM_CLOCK_SKEW_SECONDS),
        timedelta(hours=settings.PLATFORM_REQUEST_RECORD_HOURS),
    )
    old = RequestRecord.objects.filter(
        db_index=db_index_of("default"), at__lt=timezone.now() - keep
    )
    if settings.PLATFORM_DB_ENGINE == "galera":  # one database: each node prunes what it served
        old = old.filter(node_index=settings.PLATFORM_NODE_INDEX)
    doubled = doubles_query().values_list("scope", flat=True)
    return old.exclude(scope__in=doubled)


# Doubles: found, reported, repaired -------------------------------------------------


@dataclass(frozen=True)
class Double:
    """One request applied on more than one database."""

    scope: str
    nonce: str
    records: tuple  # RequestRecord rows, the one kept first

    @property
    def kept(self) -> RequestRecord:
        return self.records[0]

    @property
    def undone(self) -> tuple:
        return self.records[1:]


def doubles_query():
    """(scope, nonce) applied (answered below 400) on two databases, not yet repaired."""
    repaired = RequestRepair.objects.filter(scope=OuterRef("scope"), nonce=OuterRef("nonce"))
    return (
        RequestRecord.objects.filter(status__lt=400)
        .exclude(Exists(repaired))
        .values("scope", "nonce")
        .annotate(databases=Count("db_index", distinct=True))
        .filter(databases__gt=1)
    )


def doubles_count() -> int:
    return doubles_query().count()


def doubles(limit: int = 1000) -> list[Double]:
    found = []
    for pair in doubles_query()[:limit]:
        records = RequestRecord.objects.filter(
            scope=pair["scope"], nonce=pair["nonce"], status__lt=400
        ).order_by("at", "db_index")
        found.append(Double(pair["scope"], pair["nonce"], tuple(records)))
    return found


def repair_plan(double: Double) -> list[dict]:
    """What undoing the later application would do, row by row (nothing is written)."""
    plan = []
    for record in double.undone:
        for label, pk, created in record.effects:
            plan.append({"db_index": record.db_index, **_undo_of(label, pk, created)})
    return plan


def _undo_of(label: str, pk, created: bool) -> dict:
    model = apps.get_model(label)
    step = {"model": label, "pk": pk}
    if not created:
        return {**step, "action": "leave", "why": "an update: replication_reconcile settles it"}
    if any(f.name == "deleted_at" for f in model._meta.concrete_fields):
        return {**step, "action": "soft_delete"}
    if _referenced(model, pk):
        return {**step, "action": "leave", "why": "other rows refer to it"}
    return {**step, "action": "delete", "why": "an inserted row nothing refers to"}


def _referenced(model, pk) -> bool:
    for relation in model._meta.related_objects:
        if relation.related_model._base_manager.filter(**{relation.field.name: pk}).exists():
            return True
    return False


def repair(double: Double) -> list[dict]:
    """Undo the later application(s) of a doubled request, on this node's database (run
    it on one node only, like replication_reconcile), and record the repair."""
    from core.activeactive import versioned_save

    plan = repair_plan(double)
    with transaction.atomic():
        if RequestRepair.objects.filter(scope=double.scope, nonce=double.nonce).exists():
            return []  # repaired already (perhaps from the other node, replicated here)
        for step in plan:
            model = apps.get_model(step["model"])
            row = model._base_manager.filter(pk=step["pk"]).first()
            if row is None or step["action"] == "leave":
                continue
            if step["action"] == "soft_delete" and row.deleted_at is None:
                row.deleted_at = timezone.now()
                versioned_save(row, fields=["deleted_at"])
            elif step["action"] == "delete":
                model._base_manager.filter(pk=step["pk"]).delete()
        for record in double.undone:
            RequestRepair.objects.create(
                scope=double.scope,
                nonce=double.nonce,
                kept_db_index=double.kept.db_index,
                undone_db_index=record.db_index,
                actions=plan,
                node=settings.PLATFORM_NODE,
            )
    return plan

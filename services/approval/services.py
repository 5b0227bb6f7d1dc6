"""Writes: submitting a document, and each approver's or the drafter's action on it.

Every action runs in one transaction that first locks the document row, then re-reads
its state and current step, then writes the step, the history row and the document.
Two concurrent approvals of one step therefore take turns: the second sees the step
decided and is refused, so a step never gets two outcomes. Who may act is decided here,
under that lock, not in permissions.py: it depends on the locked row.
"""

from __future__ import annotations

from django.utils import timezone

from core.activeactive import versioned_save, write_transaction
from services.approval.errors import ApprovalCode
from services.approval.models import Action, ActionKind, Document, DocumentState, Step
from services.base.exceptions import ServiceError, VersionConflict


def document_submit(*, drafter, title: str, body: str = "", approvers: list) -> Document:
    """Create a pending document with one step per approver, in the order given."""
    with write_transaction(Document):
        document = Document.objects.create(drafter=drafter, title=title, body=body)
        Step.objects.bulk_create(
            Step(document=document, order=n, approver=approver)
            for n, approver in enumerate(approvers, start=1)
        )
        Action.objects.create(document=document, actor=drafter, action=ActionKind.SUBMITTED)
    return document


def document_approve(*, document: Document, actor, version: int, comment: str = "") -> Document:
    """The current approver approves; after the last step the document is approved."""
    with write_transaction(Document):
        locked, step = _lock_for_approver(document, actor, version)
        _decide(step, ActionKind.APPROVED, actor, comment)
        if not _current_step(locked):
            locked.state = DocumentState.APPROVED
        return versioned_save(locked, fields=["state"])


def document_reject(*, document: Document, actor, version: int, comment: str = "") -> Document:
    """The current approver rejects: the document is rejected, later steps stay open."""
    with write_transaction(Document):
        locked, step = _lock_for_approver(document, actor, version)
        _decide(step, ActionKind.REJECTED, actor, comment)
        locked.state = DocumentState.REJECTED
        return versioned_save(locked, fields=["state"])


def document_withdraw(*, document: Document, actor, version: int, comment: str = "") -> Document:
    """The drafter takes back a document still pending."""
    with write_transaction(Document):
        locked = _lock_pending(document)
        if locked.drafter_id != actor.pk:
            raise ServiceError(ApprovalCode.NOT_DRAFTER)
        _check_version(locked, version)
        Action.objects.create(
            document=locked, actor=actor, action=ActionKind.WITHDRAWN, comment=comment
        )
        locked.state = DocumentState.WITHDRAWN
        return versioned_save(locked, fields=["state"])


def _lock_for_approver(document, actor, version) -> tuple[Document, Step]:
    locked = _lock_pending(document)
    # A stale version first: whose turn it is was decided on what the caller read.
    _check_version(locked, version)
    step = _current_step(locked)
    if step is None or step.approver_id != actor.pk:
        raise ServiceError(ApprovalCode.NOT_CURRENT_APPROVER)
    return locked, step


def _lock_pending(document) -> Document:
    # The lock comes first: the state, the current step and the version are read under
    # it, so nothing can change between these checks and the writes that follow.
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if locked.state != DocumentState.PENDING:
        raise ServiceError(ApprovalCode.NOT_PENDING, f"This document is already {locked.state}.")
    return locked


def _check_version(document, version) -> None:
    if document.version != version:
        raise VersionConflict(document)


def _current_step(document: Document) -> Step | None:
    """The first step without an outcome: whose turn it is."""
    return Step.objects.filter(document=document, outcome="").order_by("order").first()


def _decide(step: Step, kind: str, actor, comment: str) -> None:
    step.outcome = kind
    step.decided_at = timezone.now()
    step.comment = comment
    versioned_save(step, fields=["outcome", "decided_at", "comment"])
    Action.objects.create(
        document=step.document, step=step, actor=actor, action=kind, comment=comment
    )

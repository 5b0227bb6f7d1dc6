"""Writes: submitting a document, and each approver's or the drafter's action on it.

Every action runs in one transaction that first locks the document row, then re-reads
its state and current step, then writes the step, the history row and the document.
Two concurrent approvals of one step therefore take turns: the second sees the step
decided and is refused, so a step never gets two outcomes.
"""

from __future__ import annotations

from django.utils import timezone

from platform_site.activeactive import write_transaction
from services.approval.models import Action, ActionKind, Document, DocumentState, Step
from services.base.exceptions import Forbidden, RuleViolation, VersionConflict


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


def document_approve(
    *, document: Document, actor, version: int, comment: str = "", serializer_class
) -> Document:
    """The current approver approves; after the last step the document is approved."""
    with write_transaction(Document):
        locked, step = _lock_for_approver(document, actor, version, serializer_class)
        _decide(step, ActionKind.APPROVED, actor, comment)
        if not _current_step(locked):
            locked.state = DocumentState.APPROVED
        return _bump(locked)


def document_reject(
    *, document: Document, actor, version: int, comment: str = "", serializer_class
) -> Document:
    """The current approver rejects: the document is rejected, later steps stay open."""
    with write_transaction(Document):
        locked, step = _lock_for_approver(document, actor, version, serializer_class)
        _decide(step, ActionKind.REJECTED, actor, comment)
        locked.state = DocumentState.REJECTED
        return _bump(locked)


def document_withdraw(
    *, document: Document, actor, version: int, comment: str = "", serializer_class
) -> Document:
    """The drafter takes back a document still pending."""
    with write_transaction(Document):
        locked = _lock_pending(document)
        if locked.drafter_id != actor.pk:
            raise Forbidden("not_drafter", "Only the drafter withdraws a document.")
        _check_version(locked, version, serializer_class)
        Action.objects.create(
            document=locked, actor=actor, action=ActionKind.WITHDRAWN, comment=comment
        )
        locked.state = DocumentState.WITHDRAWN
        return _bump(locked)


def _lock_for_approver(document, actor, version, serializer_class) -> tuple[Document, Step]:
    locked = _lock_pending(document)
    step = _current_step(locked)
    if step is None or step.approver_id != actor.pk:
        raise Forbidden("not_current_approver", "It is not your turn to act on this document.")
    _check_version(locked, version, serializer_class)
    return locked, step


def _lock_pending(document) -> Document:
    # The lock comes first: the state, the current step and the version are read under
    # it, so nothing can change between these checks and the writes that follow.
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if locked.state != DocumentState.PENDING:
        raise RuleViolation("not_pending", f"This document is already {locked.state}.")
    return locked


def _check_version(document, version, serializer_class) -> None:
    if document.version != version:
        raise VersionConflict(serializer_class(document).data)


def _current_step(document: Document) -> Step | None:
    """The first step without an outcome: whose turn it is."""
    return Step.objects.filter(document=document, outcome="").order_by("order").first()


def _decide(step: Step, kind: str, actor, comment: str) -> None:
    step.outcome = kind
    step.decided_at = timezone.now()
    step.comment = comment
    step.version += 1
    step.save()
    Action.objects.create(
        document=step.document, step=step, actor=actor, action=kind, comment=comment
    )


def _bump(document: Document) -> Document:
    document.version += 1
    document.save()
    return document

"""Reads: a drafter sees their documents, an approver those they are on, an admin all."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from services.approval.models import Action, Document, DocumentState, Step


def document_list(*, user, see_all: bool, filters: dict) -> QuerySet[Document]:
    documents = Document.objects.select_related("drafter").prefetch_related(
        Prefetch("steps", queryset=Step.objects.select_related("approver")),
        Prefetch("actions", queryset=Action.objects.select_related("actor")),
    )
    is_approver = Exists(Step.objects.filter(document=OuterRef("pk"), approver=user))
    if not see_all:
        documents = documents.filter(Q(drafter=user) | is_approver)
    if filters.get("state"):
        documents = documents.filter(state=filters["state"])
    if filters.get("role") == "drafter":
        documents = documents.filter(drafter=user)
    elif filters.get("role") == "approver":
        documents = documents.filter(is_approver)
    if filters.get("awaiting_me"):
        documents = (
            documents.filter(state=DocumentState.PENDING)
            .annotate(current_approver_id=Subquery(_current_approver()))
            .filter(current_approver_id=user.pk)
        )
    return documents


def _current_approver():
    """The approver of a document's first undecided step (its current step)."""
    undecided = Step.objects.filter(document=OuterRef("pk"), outcome="").order_by("order")
    return undecided.values("approver")[:1]

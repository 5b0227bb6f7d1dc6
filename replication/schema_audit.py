"""Every UNIQUE constraint of every installed model, classified against data rule 2.

A UNIQUE value written on both nodes during a partition stops replication for good
(error 1062). A constraint is safe when the table's writes all go to one home node, or
when it is declared safe below with the reason. Primary keys are rule 1's business
(auto-increment with per-node offsets, or random UUIDs) and are not listed here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import models

from core.registry import home_service_of

# (app_label.ModelName, columns) → why two nodes can never race on it.
DECLARED_SAFE = {
    ("contenttypes.ContentType", ("app_label", "model")): (
        "written only by migrate's post_migrate step, and migrate runs on one node"
    ),
    ("auth.Permission", ("content_type", "codename")): (
        "written only by migrate's post_migrate step, and migrate runs on one node"
    ),
    ("replication.RequestRecord", ("scope", "nonce", "db_index")): (
        "db_index is part of the key, and a record with index N is only ever inserted on "
        "database N (replication/exactly_once.py)"
    ),
    ("sessions.Session", ("session_key",)): (
        "admin web sessions: a random 32-character key, never chosen by both nodes"
    ),
}


@dataclass(frozen=True)
class UniqueRule:
    model: str
    table: str
    columns: tuple[str, ...]
    source: str
    verdict: str  # "home-node", "declared", or "UNSAFE"
    reason: str


def _uniques(model) -> list[tuple[tuple[str, ...], str]]:
    meta = model._meta
    found = [
        ((f.name,), "unique field") for f in meta.local_fields if f.unique and not f.primary_key
    ]
    found += [(tuple(fields), "unique_together") for fields in meta.unique_together]
    found += [
        (tuple(c.fields), f"constraint {c.name}")
        for c in meta.constraints
        if isinstance(c, models.UniqueConstraint)
    ]
    return found


def classify(model, columns: tuple[str, ...], source: str) -> UniqueRule:
    label = f"{model._meta.app_label}.{model._meta.object_name}"
    table = model._meta.db_table
    home = home_service_of(model)
    if home is not None:
        return UniqueRule(label, table, columns, source, "home-node", f"writes go to {home}'s home")
    reason = DECLARED_SAFE.get((label, columns))
    if reason:
        return UniqueRule(label, table, columns, source, "declared", reason)
    return UniqueRule(label, table, columns, source, "UNSAFE", "not covered by any rule")


def audit() -> list[UniqueRule]:
    rules = []
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        rules += [classify(model, cols, source) for cols, source in _uniques(model)]
    return rules

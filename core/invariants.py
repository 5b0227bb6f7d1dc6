"""Cross-row invariants a service checks and repairs at reconcile (docs/ARCHITECTURE.md#rule-9).

Some rules span several rows that either node may write: each database enforces them
under its own locks, but two nodes writing during a partition can each keep the rule and
together break it (two live profiles of one person, a department deleted on one node
while a person joined it on the other). A service lists such rules in the `CHECKS` of its
invariants module (core.registry.ServiceConfig.invariants). Each check is a function of a
database alias returning the `Violation`s found there; reconcile runs every check on both
databases and repairs a violation both databases show, with the violation's own
`repair()` — an ordinary write through the service's code, on this node's database,
which then replicates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Violation:
    rule: str  # the invariant, e.g. "one live profile per person"
    key: tuple  # what it is about, the same on both databases (e.g. ("user", 12))
    detail: str  # what was found, for the report
    repair: Callable[[], str]  # fixes it on this node's database; says what it did

    def __eq__(self, other) -> bool:
        return isinstance(other, Violation) and (self.rule, self.key) == (other.rule, other.key)

    def __hash__(self) -> int:
        return hash((self.rule, self.key))

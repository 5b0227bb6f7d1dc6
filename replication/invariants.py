"""Cross-row invariants on both databases: found, compared, repaired (rule 9).

Each service's checks (core.registry.invariant_checks, core/invariants.py) run against
both databases. A violation both show is real and settled data: it is repaired through
the service's own code on this node's database, and the repair replicates. A violation
only one database shows means the two still differ: it is left until the differing rows
are settled (run the reconcile again), never repaired on one side's word.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core import registry
from core.invariants import Violation


@dataclass
class Findings:
    both: list[Violation] = field(default_factory=list)  # seen on both databases
    one_side: list[tuple[str, Violation]] = field(default_factory=list)  # (alias, violation)

    @property
    def any(self) -> bool:
        return bool(self.both or self.one_side)


def find(alias: str) -> list[Violation]:
    return [violation for check in registry.invariant_checks() for violation in check(alias)]


def compare(*, local: str = "default", peer: str = "peer") -> Findings:
    mine, theirs = find(local), find(peer)
    found = Findings(both=[v for v in mine if v in theirs])
    found.one_side = [(local, v) for v in mine if v not in theirs]
    found.one_side += [(peer, v) for v in theirs if v not in mine]
    return found


def repair(violations: list[Violation]) -> list[tuple[Violation, str]]:
    """Each violation's own repair, in order; (violation, what it did)."""
    return [(violation, violation.repair()) for violation in violations]

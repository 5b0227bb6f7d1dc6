"""Moving a service's home-node writes to another node's database: a fenced hand-over.

`move_home(code, to_node=N)` goes through four phases and reports each:

1. **fence** — `ServiceHome.moving_to = N` (written on the credential service's home
   database): from now on every write of the service is refused `503 home_moving`. It
   waits until the old home's database O has applied the fence. Every home-node write
   holds that row under a shared lock until it commits (replication/guard.py), so once O
   has applied the fence, no write of the service is in flight there and none can start.
2. **drain** — waits until N has applied everything O has logged (`MASTER_GTID_WAIT` on N
   for O's binary-log position in O's own GTID domain).
3. **switch** — `home_node = N`, still fenced; waits until both databases have it, then
   GATEWAY_ROUTES_REFRESH_SECONDS and a margin, so every worker of both nodes routes the
   service's writes to N.
4. **resume** — the fence is lifted: writes go on, on N; the move is recorded
   (`HomeChange`).

If the fence or the drain cannot complete (a database unreachable, N not catching up in
time), the fence is lifted with the home unchanged and `MoveFailed` says why.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, router

from core.activeactive import versioned_save, write_transaction
from replication import gtid, guard
from replication.homes import homes
from replication.models import HomeChange, ServiceHome

REFRESH_MARGIN_SECONDS = 0.1


class MoveFailed(Exception):
    """The hand-over could not complete; the home is where it was."""


@dataclass
class Move:
    code: str
    from_node: int
    to_node: int
    timeout: float = 30.0
    phases: list[tuple[str, float, str]] = field(default_factory=list)  # name, seconds, detail

    def phase(self, name: str, started: float, detail: str) -> None:
        self.phases.append((name, time.monotonic() - started, detail))


def alias_of(node: int) -> str:
    return "default" if node == settings.PLATFORM_NODE_INDEX else "peer"


def write_row(code: str, *, home: int, moving_to: int | None) -> tuple[str, str]:
    """Set the row on the credential service's home; (alias written, its GTID position)."""
    homes.clear()  # the row goes where the routing table says now
    alias = router.db_for_write(ServiceHome) or "default"
    with guard.owner("move_home"), write_transaction(ServiceHome):
        row = ServiceHome.objects.select_for_update().filter(code=code).first()
        if row is None:
            row = ServiceHome(code=code, home_node=home, moving_to=moving_to)
            row.save()
        else:
            row.home_node, row.moving_to = home, moving_to
            versioned_save(row, fields=["home_node", "moving_to"])
    homes.clear()
    return alias, gtid.own_position(alias)


def wait_applied(alias: str, position: str, *, written_on: str, timeout: float) -> None:
    """Until the database behind `alias` has applied `position` (logged on `written_on`)."""
    if alias != written_on and not gtid.applied(alias, position, timeout=timeout):
        raise MoveFailed(
            f"node {guard.node_of(alias)}'s database did not apply {position} "
            f"within {timeout:.0f} s"
        )


def applied_everywhere(position: str, *, written_on: str, timeout: float) -> None:
    for alias in ("default", "peer"):
        wait_applied(alias, position, written_on=written_on, timeout=timeout)


def fence(move: Move) -> None:
    started = time.monotonic()
    written_on, position = write_row(move.code, home=move.from_node, moving_to=move.to_node)
    old = alias_of(move.from_node)
    wait_applied(old, position, written_on=written_on, timeout=move.timeout)
    move.phase("fence", started, f"writes refused (home_moving); node {move.from_node} drained")


def drain(move: Move) -> None:
    started = time.monotonic()
    old, new = alias_of(move.from_node), alias_of(move.to_node)
    position = gtid.own_position(old)
    wait_applied(new, position, written_on=old, timeout=move.timeout)
    move.phase("drain", started, f"node {move.to_node} applied node {move.from_node} to {position}")


def switch(move: Move) -> None:
    started = time.monotonic()
    written_on, position = write_row(move.code, home=move.to_node, moving_to=move.to_node)
    applied_everywhere(position, written_on=written_on, timeout=move.timeout)
    time.sleep(settings.GATEWAY_ROUTES_REFRESH_SECONDS + REFRESH_MARGIN_SECONDS)
    move.phase("switch", started, f"every worker routes {move.code} to node {move.to_node}")


def resume(move: Move, *, actor: str) -> None:
    started = time.monotonic()
    written_on, position = write_row(move.code, home=move.to_node, moving_to=None)
    with guard.owner("move_home"), write_transaction(HomeChange):
        HomeChange.objects.create(
            code=move.code,
            from_node=move.from_node,
            to_node=move.to_node,
            actor=actor[:150],
            node=settings.PLATFORM_NODE,
        )
    applied_everywhere(position, written_on=written_on, timeout=move.timeout)
    move.phase("resume", started, f"writes of {move.code} go on, on node {move.to_node}")


def move_home(code: str, *, to_node: int, actor: str, timeout: float = 30.0) -> Move:
    """Hand `code`'s home over to `to_node` (see the module docstring); the phases done."""
    move = Move(code, homes.home_node(code), to_node, timeout)
    if move.from_node == to_node:
        return move
    if "peer" not in settings.DATABASES:  # one node alone: no other database to hand over to
        resume(move, actor=actor)
        return move
    try:
        fence(move)
        drain(move)
    except (MoveFailed, DatabaseError) as exc:
        _unfence(move)
        raise MoveFailed(f"{exc}; the home stays node {move.from_node}") from exc
    switch(move)
    resume(move, actor=actor)
    return move


def _unfence(move: Move) -> None:
    try:
        write_row(move.code, home=move.from_node, moving_to=None)
    except DatabaseError as exc:
        raise MoveFailed(
            f"could not lift the fence ({exc}): writes of {move.code} stay refused until "
            f"`move_home {move.code} --to {move.from_node} --apply` succeeds"
        ) from exc

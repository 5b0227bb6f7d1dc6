"""`move_home` as a fenced hand-over, repeated while both nodes book the same slot.

Three rooms, each raced by a client on A and one on B booking the very same slot at the
same moment, 300 rounds at least, while a `manage.py shell` process hands the
reservation service's home from node 1 to node 2 and back, ten times, a second apart.
Not one slot may end up booked twice; the rounds must meet the fence (`home_moving`).
Figures in var/test-artifacts/replication-safety.json (rounds, moves, their time).
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

from tests.cluster.conftest import login
from tests.cluster.safety_harness import (
    assert_sound,
    manage_async,
    on_both,
    record,
)

MOVER = """
import json, time
from io import StringIO
from django.core.management import call_command
took = []
for n in range({moves}):  # an even number: the home ends where it began, on node 1
    time.sleep(1.0)  # writes flow between two moves: the rounds meet every phase
    started = time.monotonic()
    call_command("move_home", "reservation", "--to", str(2 - n % 2), "--apply", stdout=StringIO())
    took.append(round(time.monotonic() - started, 3))
print(json.dumps(took))
"""
RACERS, ROUNDS_EACH, MOVES = 3, 100, 10
CONTESTED = [(201, None), (409, "overlap")]  # both nodes' bookings met: one won


class Racer:
    """Two clients, one per node, booking the very same slot of one room each round, for
    at least ROUNDS_EACH rounds and until `done` is set (the moves are over)."""

    def __init__(self, apis, room: int, day: datetime, done: threading.Event) -> None:
        self.apis, self.room, self.day, self.done = apis, room, day, done
        self.results: list[list] = []
        self.going = True
        self.barrier = threading.Barrier(2, action=self._next_round)
        self.threads = [threading.Thread(target=self.side, args=(k,)) for k in (0, 1)]

    def _next_round(self) -> None:
        """Run by one of the two threads once both reached the barrier."""
        self.going = not (self.done.is_set() and len(self.results) >= ROUNDS_EACH)
        if self.going:
            self.results.append([None, None])

    def side(self, k: int) -> None:
        while True:
            self.barrier.wait()
            if not self.going:
                return
            n = len(self.results) - 1
            start = self.day + timedelta(minutes=30 * n)
            body = {
                "room": self.room,
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=30)).isoformat(),
            }
            try:
                answer = self.apis[k].post("/api/v1/reservation/bookings/", body)
                self.results[n][k] = (answer.status, answer.code)
            except Exception as exc:  # a client error is counted, not raised, mid-race
                self.results[n][k] = (0, type(exc).__name__)


def test_move_home_repeated_while_both_nodes_book_the_same_slot_never_double_books(cluster, pt_dsn):
    admin = login(cluster, 1, "root")
    rooms = [
        admin.post("/api/v1/reservation/rooms/", {"name": f"Race {n}", "capacity": 4}).data["id"]
        for n in range(RACERS)
    ]
    cluster.wait_in_sync()
    day = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=30)
    done = threading.Event()
    racers = [
        Racer([login(cluster, 1, "alice"), login(cluster, 2, "bob")], room, day, done)
        for room in rooms
    ]
    mover = manage_async(cluster, 1, "shell", "-c", MOVER.format(moves=MOVES))
    started = datetime.now(UTC)
    for racer in racers:
        for thread in racer.threads:
            thread.start()
    out, err = mover.communicate(timeout=600)
    done.set()
    for racer in racers:
        for thread in racer.threads:
            thread.join(timeout=600)
    race_seconds = (datetime.now(UTC) - started).total_seconds()
    assert mover.returncode == 0, err
    moves = json.loads(out.strip().splitlines()[-1])

    outcomes = [tuple(r) for racer in racers for r in racer.results]
    statuses = [s for pair in outcomes for s, _ in pair]
    codes = [c for pair in outcomes for _, c in pair if c]
    cluster.wait_in_sync()
    doubled = on_both(
        cluster,
        "SELECT room_id, start, COUNT(*) FROM reservation_booking "
        "WHERE room_id IN (%s, %s, %s) AND cancelled_at IS NULL AND deleted_at IS NULL "
        "GROUP BY room_id, start HAVING COUNT(*) > 1",
        rooms,
    )
    booked = on_both(
        cluster,
        "SELECT COUNT(*) FROM reservation_booking WHERE room_id IN (%s, %s, %s)",
        rooms,
    )
    figures = {
        "rounds": len(outcomes),
        "moves": len(moves),
        "move_seconds_median": sorted(moves)[len(moves) // 2] if moves else None,
        "race_seconds": round(race_seconds, 1),
        "rounds_with_a_booking": sum(1 for pair in outcomes if (201, None) in pair),
        "rounds_contested": sum(1 for pair in outcomes if sorted(pair) == CONTESTED),
        "rounds_booked_twice_by_the_api": sum(
            1 for pair in outcomes if pair.count((201, None)) == 2
        ),
        "double_bookings_in_the_databases": {name: len(found) for name, found in doubled.items()},
        "answers": {code: codes.count(code) for code in sorted(set(codes))},
        "server_errors": sum(1 for s in statuses if s >= 500 and s != 503) + statuses.count(0),
    }
    figures.update(assert_sound(cluster, pt_dsn))
    record("move_home_rounds", figures)
    assert figures["rounds"] >= RACERS * ROUNDS_EACH and figures["moves"] == MOVES
    assert figures["rounds_contested"] >= 60  # both nodes' bookings met, between the fences
    assert figures["rounds_booked_twice_by_the_api"] == 0
    assert doubled == {"a": [], "b": []}
    assert booked["a"] == booked["b"] == [(figures["rounds_with_a_booking"],)]
    assert figures["answers"].get("home_moving", 0) > 0  # the rounds did meet the fence
    assert figures["server_errors"] == 0, figures["answers"]
    assert set(figures["answers"]) <= {"overlap", "home_moving"}, figures["answers"]

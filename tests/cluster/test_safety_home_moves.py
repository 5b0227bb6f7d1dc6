"""`move_home` as a fenced hand-over, repeated while both nodes book the same slot.

Three rooms, each raced by a client on A and one on B booking the very same slot at the
same moment, 300 rounds in all, while a `manage.py shell` process hands the reservation
service's home from node 1 to node 2 and back without pause. Not one slot may end up
booked twice; the rounds must meet the fence (`home_moving`). Figures in
var/test-artifacts/replication-safety.json (rounds, moves, their time).
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
import json, pathlib, time
from io import StringIO
from django.core.management import call_command
stop, took = pathlib.Path({stop!r}), []
while not stop.exists():
    started = time.monotonic()
    call_command("move_home", "reservation", "--to", str(2 if len(took) % 2 == 0 else 1),
                 "--apply", stdout=StringIO())
    took.append(round(time.monotonic() - started, 3))
    time.sleep(1.0)  # writes flow between two moves: the rounds meet every phase
if len(took) % 2:
    call_command("move_home", "reservation", "--to", "1", "--apply", stdout=StringIO())
print(json.dumps(took))
"""
RACERS, ROUNDS_EACH = 3, 100
CONTESTED = [(201, None), (409, "overlap")]  # both nodes' bookings met: one won


class Racer:
    """Two clients, one per node, booking the very same slot of one room each round."""

    def __init__(self, apis, room: int, day: datetime) -> None:
        self.apis, self.room, self.day = apis, room, day
        self.results = [[None, None] for _ in range(ROUNDS_EACH)]
        self.barrier = threading.Barrier(2)
        self.threads = [threading.Thread(target=self.side, args=(k,)) for k in (0, 1)]

    def side(self, k: int) -> None:
        for n in range(ROUNDS_EACH):
            start = self.day + timedelta(minutes=30 * n)
            body = {
                "room": self.room,
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=30)).isoformat(),
            }
            self.barrier.wait()
            try:
                answer = self.apis[k].post("/api/v1/reservation/bookings/", body)
                self.results[n][k] = (answer.status, answer.code)
            except Exception as exc:  # a client error is counted, not raised, mid-race
                self.results[n][k] = (0, type(exc).__name__)


def test_move_home_repeated_while_both_nodes_book_the_same_slot_never_double_books(
    cluster, pt_dsn, tmp_path
):
    admin = login(cluster, 1, "root")
    rooms = [
        admin.post("/api/v1/reservation/rooms/", {"name": f"Race {n}", "capacity": 4}).data["id"]
        for n in range(RACERS)
    ]
    cluster.wait_in_sync()
    day = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=30)
    racers = [
        Racer([login(cluster, 1, "alice"), login(cluster, 2, "bob")], room, day) for room in rooms
    ]
    stop = tmp_path / "stop"
    mover = manage_async(cluster, 1, "shell", "-c", MOVER.format(stop=str(stop)))
    started = datetime.now(UTC)
    for racer in racers:
        for thread in racer.threads:
            thread.start()
    for racer in racers:
        for thread in racer.threads:
            thread.join(timeout=600)
    race_seconds = (datetime.now(UTC) - started).total_seconds()
    stop.touch()
    out, err = mover.communicate(timeout=300)
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
    assert figures["rounds"] >= 300 and figures["moves"] >= 5
    assert figures["rounds_contested"] >= 60  # both nodes' bookings met, between the fences
    assert figures["rounds_booked_twice_by_the_api"] == 0
    assert doubled == {"a": [], "b": []}
    assert booked["a"] == booked["b"] == [(figures["rounds_with_a_booking"],)]
    assert figures["answers"].get("home_moving", 0) > 0  # the rounds did meet the fence
    assert figures["server_errors"] == 0, figures["answers"]
    assert set(figures["answers"]) <= {"overlap", "home_moving"}, figures["answers"]

"""Both nodes take writes: odd/even ids, replication, home-node races, home outage."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from deploy.local.cluster import wait_for
from tests.cluster.conftest import login


def test_ids_are_odd_on_a_and_even_on_b_and_each_write_is_read_on_the_other(cluster):
    on_a, on_b = login(cluster, 1), login(cluster, 2)
    from_a = [on_a.post("/api/v1/task/tasks/", {"title": f"A{n}"}).data["id"] for n in range(3)]
    from_b = [on_b.post("/api/v1/task/tasks/", {"title": f"B{n}"}).data["id"] for n in range(3)]
    assert all(pk % 2 == 1 for pk in from_a) and all(pk % 2 == 0 for pk in from_b)
    cluster.wait_in_sync()
    assert on_b.get(f"/api/v1/task/tasks/{from_a[0]}/").data["title"] == "A0"
    assert on_a.get(f"/api/v1/task/tasks/{from_b[0]}/").data["title"] == "B0"


def test_a_session_opened_on_a_is_served_by_b(cluster):
    api = login(cluster, 1)
    cluster.wait_in_sync()
    api.base_urls = [cluster.node(2).url]
    me = api.get("/api/v1/credential/me")
    assert me.status == 200 and me.data["user"]["username"] == "alice"


def race(*calls):
    """Run the calls at the same moment, one thread each; their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_overlapping_bookings_sent_to_both_nodes_at_once_give_exactly_one_booking(cluster):
    admin, on_a, on_b = login(cluster, 1, "root"), login(cluster, 1), login(cluster, 2, "bob")
    room = admin.post("/api/v1/reservation/rooms/", {"name": "Fjord", "capacity": 8}).data
    cluster.wait_in_sync()
    day = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    for round_ in range(6):
        start = day + timedelta(hours=round_)
        first = {
            "room": room["id"],
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=50)).isoformat(),
        }
        second = {**first, "start": (start + timedelta(minutes=20)).isoformat()}
        results = race(
            lambda b=first: on_a.post("/api/v1/reservation/bookings/", b),
            lambda b=second: on_b.post("/api/v1/reservation/bookings/", b),
        )
        assert sorted(r.status for r in results) == [201, 409], [r.data for r in results]
        assert [r.code for r in results if r.status == 409] == ["overlap"]
    cluster.wait_in_sync()
    listed = on_b.get("/api/v1/reservation/bookings/", {"room": room["id"], "page_size": 50})
    assert listed.data["count"] == 6


def test_one_asset_checked_out_from_both_nodes_at_once_goes_to_one_person(cluster):
    admin, on_a, on_b = login(cluster, 1, "root"), login(cluster, 1), login(cluster, 2, "bob")
    alice, bob = (api.get("/api/v1/credential/me").data["user"]["id"] for api in (on_a, on_b))
    stamp = datetime.now(UTC).timestamp()
    for n in range(5):
        asset = admin.post(
            "/api/v1/asset/assets/",
            {"tag": f"LAP-{n}-{stamp}", "name": "Laptop", "category": "laptop"},
        ).data
        checkout = f"/api/v1/asset/assets/{asset['id']}/checkout/"
        results = race(
            lambda url=checkout: on_a.post(url, {"user": alice}),
            lambda url=checkout: on_b.post(url, {"user": bob}),
        )
        assert sorted(r.status for r in results) == [200, 409], [r.data for r in results]
        assert [r.code for r in results if r.status == 409] == ["already_checked_out"]


def test_with_the_home_database_down_home_writes_fail_cleanly_and_others_still_write(cluster):
    on_b = login(cluster, 2, "bob")
    admin_b = login(cluster, 2, "root")
    cluster.pair.a.stop()
    try:
        refused = admin_b.post("/api/v1/reservation/rooms/", {"name": "Loft", "capacity": 4})
        assert (refused.status, refused.code, refused.encrypted) == (503, "home_unavailable", True)
        assert on_b.post("/api/v1/task/tasks/", {"title": "still writable"}).status == 201
        assert on_b.get("/api/v1/reservation/rooms/").status == 200  # reads stay local
    finally:
        cluster.pair.a.start(tied=cluster.tied)
    wait_for(
        lambda: (
            admin_b.post("/api/v1/reservation/rooms/", {"name": "Loft", "capacity": 4}).status
            == 201
        ),
        timeout=30,
        what="home writes to work again",
    )
    cluster.wait_in_sync()
    result = cluster.manage(2, "replication_checksum", check=False)
    assert result.returncode == 0, result.stdout + result.stderr

"""Replication resumes by itself after either server is restarted or killed (-9).

Run for both GTID modes; the pair uses slave_pos (deploy/local/pair.py says why).
"""

from __future__ import annotations

import pytest

from deploy.local.pair import ReplicatedPair, replica_status
from deploy.local.processes import free_port


@pytest.fixture(params=["slave_pos", "current_pos"])
def pair(request, tmp_path):
    pair = ReplicatedPair(tmp_path / "pair", (free_port(), free_port()), gtid_mode=request.param)
    pair.start()
    pair.a.execute("CREATE TABLE platform.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, v INT)")
    pair.wait_in_sync()
    yield pair
    pair.remove()


def write_both(pair, rows: int = 50) -> None:
    for db in pair.nodes:
        db.execute(*["INSERT INTO platform.t (v) VALUES (1)"] * rows)


def assert_converged(pair, expected: int) -> None:
    pair.wait_in_sync(timeout=30)
    for db in pair.nodes:
        assert db.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM platform.t")[0] == (
            expected,
            expected,
        )
        state = replica_status(db)
        assert (state["Slave_IO_Running"], state["Slave_SQL_Running"]) == ("Yes", "Yes")
        assert state["Last_SQL_Errno"] == 0 and state["Last_IO_Errno"] == 0


@pytest.mark.parametrize("how", ["restart", "kill"])
@pytest.mark.parametrize("which", ["a", "b"])
def test_replication_resumes_after_a_server_goes_down(pair, which, how):
    write_both(pair)
    server = getattr(pair, which)
    if how == "kill":
        server.kill()
    else:
        server.stop()
    survivor = pair.b if which == "a" else pair.a
    survivor.execute(*["INSERT INTO platform.t (v) VALUES (2)"] * 30)  # written while down
    server.start()
    write_both(pair, rows=10)
    assert_converged(pair, expected=2 * 50 + 30 + 2 * 10)

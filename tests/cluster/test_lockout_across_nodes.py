"""Lockout across the replicated pair: guesses spread over both nodes at once reach the
hasher at most the threshold on each node, replicating or partitioned, and once the
pair is in sync each node refuses the name (docs/SECURITY.md states the bound).

A guess answered 401 `invalid_credentials` had its password checked; one answered 429
`locked_out` did not. The figures go to var/test-artifacts/lockout-across-nodes.json.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from client import PlatformClient
from tests.cluster.conftest import transport

ARTIFACT = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
TARGET, TARGET_PASSWORD = "lock-target", "Target-Passw0rd-right!"
GUESSES = 30
LIMIT = 5  # CREDENTIAL_LOCKOUT_USER_FAILURES's default


def race(cluster) -> dict[int, list[tuple[int, str]]]:
    """GUESSES wrong passwords at once, alternating between node A and node B."""
    answers: dict[int, list] = {1: [], 2: []}
    start = threading.Barrier(GUESSES)

    def guess(index: int) -> None:
        api = PlatformClient(cluster.node(index).url, transport=transport(cluster), retries=0)
        try:
            api.fetch_public_keys()
        finally:
            start.wait()  # a thread that failed still lets the others go
        try:
            response = api.login(TARGET, "a wrong guess")
        except Exception as exc:  # a failed guess fails the count below, with its reason
            answers[index].append(("error", repr(exc)))
            return
        answers[index].append((response.status, response.code))

    threads = [threading.Thread(target=guess, args=(1 + n % 2,)) for n in range(GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(len(got) for got in answers.values()) == GUESSES, answers  # every guess answered
    return answers


def checked(answers: list) -> int:
    assert set(answers) <= {(401, "invalid_credentials"), (429, "locked_out")}, answers
    return answers.count((401, "invalid_credentials"))


def replicas(cluster, statement: str) -> None:
    for db in cluster.pair.nodes:
        db.execute(statement, log_bin=False)


def right_password(cluster, index: int):
    api = PlatformClient(cluster.node(index).url, transport=transport(cluster), retries=0)
    return api.login(TARGET, TARGET_PASSWORD)


def test_guesses_over_both_nodes_reach_the_hasher_at_most_the_limit_per_node(cluster):
    cluster.shell(
        1,
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_user({TARGET!r}, password={TARGET_PASSWORD!r})",
    )
    cluster.wait_in_sync()
    replicating = race(cluster)
    cluster.wait_in_sync()
    locked_after_race = [right_password(cluster, n).code for n in (1, 2)]

    cluster.manage(1, "credential_unlock", TARGET, "--apply")
    cluster.wait_in_sync()
    assert right_password(cluster, 2).status == 200  # the marker reached B
    replicas(cluster, "STOP SLAVE")
    try:
        partitioned = race(cluster)
    finally:
        replicas(cluster, "START SLAVE")
    cluster.wait_in_sync()
    locked_after_heal = [right_password(cluster, n).code for n in (1, 2)]

    figures = {
        "guesses": GUESSES,
        "limit_per_node": LIMIT,
        "replicating": {f"node_{n}": checked(replicating[n]) for n in (1, 2)},
        "partitioned": {f"node_{n}": checked(partitioned[n]) for n in (1, 2)},
    }
    ARTIFACT.mkdir(parents=True, exist_ok=True)
    (ARTIFACT / "lockout-across-nodes.json").write_text(json.dumps(figures, indent=2))
    for phase in ("replicating", "partitioned"):
        per_node = figures[phase].values()
        assert all(count <= LIMIT for count in per_node), figures
        assert LIMIT <= sum(per_node) <= 2 * LIMIT, figures
    assert locked_after_race == locked_after_heal == ["locked_out", "locked_out"]

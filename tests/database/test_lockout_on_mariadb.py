"""Lockout on real MariaDB: concurrent guesses from many workers reach the hasher at most
the configured number of times, and an attempt commits before its password is checked."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from django.db import transaction

from client import PlatformClient, RequestsTransport
from credential.lockout import attempt_begin
from credential.models import LoginAttempt
from credential.turns import ALIAS
from deploy.local.node import PlatformNode
from deploy.local.processes import free_port

ARTIFACT = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "lockout-races.json"
TARGET = "lock-target"
TARGET_PASSWORD = "Target-Passw0rd-right!"
GUESSES = 30
LIMIT = 5  # CREDENTIAL_LOCKOUT_USER_FAILURES's default


@pytest.fixture
def counting_nodes(live_env, tmp_path):
    """Two node processes (3 workers each) on the live database, counting every hash."""
    log = tmp_path / "hashes.log"
    counting = {
        **live_env,
        "DJANGO_SETTINGS_MODULE": "tests.support.counting_settings",
        "PLATFORM_TEST_HASH_LOG": str(log),
    }
    nodes = [
        PlatformNode("lock-a", tmp_path / "a", free_port(), counting, workers=3),
        PlatformNode(
            "lock-b",
            tmp_path / "b",
            free_port(),
            {**counting, "PLATFORM_NODE": "B", "PLATFORM_NODE_INDEX": "2"},
            workers=3,
        ),
    ]
    nodes[0].manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_user({TARGET!r}, password={TARGET_PASSWORD!r})",
    )
    for node in nodes:
        node.start()
    log.write_text("")  # hashes before the race (none expected) do not count
    yield nodes, log
    for node in nodes:
        node.stop()


def guess(url: str, start: threading.Barrier, answers: list) -> None:
    api = PlatformClient(url, transport=RequestsTransport(), retries=0)
    api.fetch_public_keys()  # before the start: the race is between the logins alone
    start.wait()
    response = api.login(TARGET, "a wrong guess")
    answers.append((response.status, response.code))


def test_concurrent_wrong_guesses_from_six_workers_of_two_nodes_check_at_most_the_limit(
    counting_nodes,
):
    nodes, log = counting_nodes
    answers: list = []
    start = threading.Barrier(GUESSES)
    threads = [
        threading.Thread(target=guess, args=(nodes[n % 2].url, start, answers))
        for n in range(GUESSES)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - began
    checks = len(log.read_text().splitlines())
    refused = [a for a in answers if a == (401, "invalid_credentials")]
    locked = [a for a in answers if a == (429, "locked_out")]
    recorded = (
        nodes[0]
        .manage(
            "shell",
            "-c",
            "from credential.models import LoginAttempt; "
            f"print(LoginAttempt.objects.filter(username={TARGET!r}, kind='password').count())",
        )
        .stdout.split()[-1]
    )  # the shell may print a line of its own first
    right = PlatformClient(nodes[1].url, transport=RequestsTransport(), retries=0)
    after = right.login(TARGET, TARGET_PASSWORD)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(
        json.dumps(
            {
                "guesses": GUESSES,
                "workers": "2 nodes x 3 gunicorn workers, one MariaDB",
                "limit": LIMIT,
                "password_checks": checks,
                "answered_401": len(refused),
                "answered_429": len(locked),
                "attempts_recorded": int(recorded),
                "seconds": round(elapsed, 2),
            },
            indent=2,
        )
    )
    assert len(answers) == GUESSES
    assert len(refused) + len(locked) == GUESSES, answers
    assert 1 <= checks <= LIMIT
    assert checks == len(refused) == int(recorded)
    assert (after.status, after.code) == (429, "locked_out")  # even the right password, now


@pytest.mark.django_db(transaction=True)
def test_an_attempt_is_committed_before_its_password_check_even_if_the_request_rolls_back():
    with transaction.atomic():
        attempt = attempt_begin(name="rolled-back", address="10.0.0.5", via="api")
        # Another connection (a worker counting its own attempt) already sees it.
        assert attempt.alias == ALIAS
        assert LoginAttempt.objects.filter(pk=attempt.pk).exists()
        transaction.set_rollback(True)
    assert LoginAttempt.objects.filter(pk=attempt.pk, succeeded=False).exists()

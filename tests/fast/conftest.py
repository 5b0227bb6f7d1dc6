"""Fast tier: every answer a test receives must match the API schema; committing tests restore.

The in-process transport records each answer (tests/support/error_answers.py); after
every test, the error answers it received are checked against the generated schema's
`Error` body and the statuses and codes their operation lists, the successful ones
against their operation's response schema. A mismatch fails the test that met it, at
teardown, naming the answer. The run's tally goes to the terminal and to
var/test-artifacts/error-answers.json.

A test that commits (`django_db(transaction=True)`, or `live_server`) must also ask for
`serialized_rollback=True`: the flush after a plain one recreates the content types, and
the next serialized test's restore then inserts them again and fails. Collection refuses
a committing test without it, naming the test.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.support import error_answers

TALLY = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "error-answers.json"


def pytest_collection_modifyitems(items):
    unsafe = []
    for item in items:
        marker = item.get_closest_marker("django_db")
        options = marker.kwargs if marker else {}
        commits = options.get("transaction") or {"live_server", "transactional_db"} & set(
            getattr(item, "fixturenames", ())
        )
        if commits and not options.get("serialized_rollback"):
            unsafe.append(item.nodeid)
    if unsafe:
        raise pytest.UsageError(
            "committing tests need django_db(transaction=True, serialized_rollback=True) "
            "(tests/fast/conftest.py): " + ", ".join(unsafe)
        )


@pytest.fixture(autouse=True)
def _answers_match_the_schema():
    start, successes = len(error_answers.RECORDED), len(error_answers.SUCCESSES)
    yield
    found = [p for a in error_answers.RECORDED[start:] for p in error_answers.problems(a)]
    found += [
        p
        for answer in error_answers.SUCCESSES[successes:]
        for p in error_answers.success_problems(answer)
    ]
    assert not found, "answers the API schema does not describe:\n" + "\n".join(found)


def pytest_terminal_summary(terminalreporter):
    answers = error_answers.RECORDED
    if not answers:
        return
    sealed = sum(a.sealed for a in answers)
    described = sum(error_answers.operation(a.method, a.path) is not None for a in answers)
    terminalreporter.write_line(
        f"error answers checked against the schema: {len(answers)} "
        f"({sealed} sealed, {len(answers) - sealed} plain; {described} of described operations)"
        f"; successful answers: {len(error_answers.SUCCESSES)}"
    )
    by_code = Counter(f"{a.status} {a.code}" for a in answers)
    TALLY.parent.mkdir(parents=True, exist_ok=True)
    TALLY.write_text(
        json.dumps(
            {
                "checked": len(answers),
                "sealed": sealed,
                "plain": len(answers) - sealed,
                "of_described_operations": described,
                "successful_answers_checked": len(error_answers.SUCCESSES),
                "by_status_and_code": dict(sorted(by_code.items())),
            },
            indent=2,
        )
        + "\n"
    )

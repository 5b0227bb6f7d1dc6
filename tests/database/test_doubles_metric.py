"""`platform_exactly_once_doubles` on MariaDB, over as many request records as a busy day
keeps, and what counting them costs (var/test-artifacts/doubles-count.json).

The figure decides that /metrics recounts at most every DOUBLES_CACHE_SECONDS rather than
on every scrape (replication/metrics.py); it is recorded, not asserted.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import pytest
from django.db import connection

from replication import exactly_once
from replication.metrics import DoublesCollector

ARTIFACT = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "doubles-count.json"
ROWS = 200_000  # about 2.3 unsafe requests a second kept for PLATFORM_REQUEST_RECORD_HOURS=24
DOUBLES = 3
INSERT = """
INSERT INTO replication_requestrecord
    (id, scope, nonce, db_index, node_index, at, digest, method, path, status,
     answer_headers, answer_body, effects)
SELECT REPLACE(UUID(), '-', ''), LPAD(HEX(seq DIV 500), 32, '0'), LPAD(seq, 24, '0'),
       {db_index}, {db_index},
       UTC_TIMESTAMP(6), REPEAT('d', 64), 'POST', '/api/v1/task/tasks/', 201, '{{}}', '', '[]'
FROM seq_{first}_to_{last}
"""


def plant(rows: int, doubles: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(INSERT.format(db_index=1, first=1, last=rows))
        # The same requests applied on the other database too: the doubles.
        cursor.execute(INSERT.format(db_index=2, first=1, last=doubles))


@pytest.mark.django_db
def test_doubles_are_counted_over_a_days_records_and_the_cost_is_recorded():
    plant(ROWS - DOUBLES, DOUBLES)
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        assert exactly_once.doubles_count() == DOUBLES
        runs.append(time.perf_counter() - start)
    (family,) = DoublesCollector(max_age=0).collect()
    assert family.samples[0].value == DOUBLES
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    figures = {
        "rows": ROWS,
        "doubles": DOUBLES,
        "seconds": [round(run, 4) for run in runs],
        "median_seconds": round(statistics.median(runs), 4),
    }
    ARTIFACT.write_text(json.dumps(figures, indent=2) + "\n")

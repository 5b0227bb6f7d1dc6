"""docs/PROTOCOL.md's table of error codes says what `core.errors.ErrorCode` says.

The table (`| status | code | meaning |`, §8.3) is what a client developer reads; the
enum is what the server answers with. Each code must be in both, with the same status;
the meanings are worded for their readers and may differ.
"""

from __future__ import annotations

import re
from pathlib import Path

from core.errors import ErrorCode

PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "PROTOCOL.md"
HEADER = "| status | code | meaning |"
ROW = re.compile(r"^\| (\d{3}) \| `([a-z_]+)` \| (.+) \|$")


def table_rows() -> list[tuple[int, str]]:
    lines = PROTOCOL.read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER) + 2  # past the header and its |---| line
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        match = ROW.match(line)
        assert match, f"docs/PROTOCOL.md: an error table row that does not parse: {line!r}"
        rows.append((int(match.group(1)), match.group(2)))
    return rows


def test_the_table_is_found_and_lists_each_code_once():
    codes = [code for _, code in table_rows()]
    assert len(codes) > 20
    assert len(codes) == len(set(codes)), sorted(c for c in codes if codes.count(c) > 1)


def test_every_code_of_the_enum_is_in_the_table_and_no_other():
    documented = {code for _, code in table_rows()}
    declared = {code.value for code in ErrorCode}
    assert declared - documented == set(), "codes the table lacks"
    assert documented - declared == set(), "codes the table has but the server does not"


def test_the_table_gives_each_code_the_status_the_server_answers_with():
    wrong = {
        code: (status, ErrorCode(code).status)
        for status, code in table_rows()
        if code in {c.value for c in ErrorCode} and ErrorCode(code).status != status
    }
    assert wrong == {}, "code: (table's status, server's status)"


def test_the_table_is_in_status_order():
    statuses = [status for status, _ in table_rows()]
    assert statuses == sorted(statuses)

"""pt-table-checksum (percona-toolkit) as an outside referee on a replicated pair.

`pt_dsn(pair)` makes a TCP user for it on both servers (kept out of the binary log) and
the DSN table naming B, on A; `pt_table_checksum(dsn)` runs it from A and returns its
exit code and the tables it found different on B.
"""

from __future__ import annotations

import re
import secrets
import subprocess


def pt_dsn(pair) -> str:
    password = secrets.token_hex(16)
    for node in pair.nodes:
        node.execute(
            f"CREATE USER IF NOT EXISTS 'checksum'@'127.0.0.1' IDENTIFIED BY '{password}'",
            f"ALTER USER 'checksum'@'127.0.0.1' IDENTIFIED BY '{password}'",
            "GRANT ALL ON *.* TO 'checksum'@'127.0.0.1'",
            log_bin=False,
        )
    dsn = f"h=127.0.0.1,u=checksum,p={password}"
    # Logged on purpose: the percona schema must exist on B for pt's writes to replicate.
    pair.a.execute(
        "CREATE DATABASE IF NOT EXISTS percona",
        "CREATE TABLE IF NOT EXISTS percona.dsns (id INT AUTO_INCREMENT PRIMARY KEY, "
        "parent_id INT, dsn VARCHAR(255) NOT NULL)",
        "DELETE FROM percona.dsns",
    )
    conn = pair.a.connect("percona")
    try:
        conn.cursor().execute("INSERT INTO dsns (dsn) VALUES (%s)", [f"{dsn},P={pair.b.port}"])
        conn.commit()
    finally:
        conn.close()
    pair.wait_in_sync()
    return f"{dsn},P={pair.a.port}"


def pt_table_checksum(
    dsn: str, *, ignore_tables: tuple[str, ...] = (), ignore_columns: tuple[str, ...] = ()
) -> tuple[int, set[str]]:
    """Exit code and the tables pt-table-checksum found different on B."""
    ignored = [f"--ignore-tables={','.join(f'platform.{t}' for t in ignore_tables)}"]
    ignored = ignored if ignore_tables else []
    if ignore_columns:
        ignored.append(f"--ignore-columns={','.join(ignore_columns)}")
    done = subprocess.run(
        [
            "pt-table-checksum",
            dsn,
            "--databases=platform",
            "--no-check-binlog-format",
            f"--recursion-method=dsn={dsn},D=percona,t=dsns",
            *ignored,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    rows = [line.split() for line in done.stdout.splitlines()]
    assert any(r[-1] == "platform.task_task" for r in rows if r), done.stdout + done.stderr
    # Columns: TS ERRORS DIFFS ROWS DIFF_ROWS CHUNKS SKIPPED TIME TABLE.
    diffs = {r[-1] for r in rows if len(r) == 9 and re.fullmatch(r"\d+", r[2]) and int(r[2])}
    return done.returncode, diffs

"""The whole Galera cluster as `manage.py replication_status` reports it.

This node's member says who the members are (`wsrep_incoming_addresses`: each one's
client address); each is asked for its own state over a short-lived connection with the
node's own credentials (the platform's account exists on every member: accounts
replicate with the cluster). A member that cannot be reached is reported as such, and so
is a cluster smaller than PLATFORM_NODE_COUNT.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections

from replication import galera

CONNECT_SECONDS = 2


@dataclass
class MemberReport:
    address: str
    reachable: bool
    state: galera.MemberState | None = None
    config_problems: list[str] = field(default_factory=list)
    error: str = ""

    def as_dict(self) -> dict:
        return {
            "address": self.address,
            "reachable": self.reachable,
            "error": self.error,
            "config_problems": self.config_problems,
            **({"state": self.state.as_dict()} if self.state else {}),
        }


def _ask(address: str) -> MemberReport:
    import MySQLdb

    own = settings.DATABASES["default"]
    host, _, port = address.rpartition(":")
    try:
        conn = MySQLdb.connect(
            host=host,
            port=int(port or 3306),
            user=own["USER"],
            password=own["PASSWORD"],
            connect_timeout=CONNECT_SECONDS,
            read_timeout=CONNECT_SECONDS,
        )
    except (MySQLdb.Error, ValueError) as exc:
        return MemberReport(address, reachable=False, error=str(exc)[:200])
    try:
        cursor = conn.cursor()
        state = galera.read_status(cursor)
        cursor.execute("SELECT @@global.wsrep_node_name")
        state = dataclasses.replace(state, node_name=str(cursor.fetchone()[0]))
        problems = galera.config_problems(galera.read_config(cursor))
        return MemberReport(address, reachable=True, state=state, config_problems=problems)
    except MySQLdb.Error as exc:
        return MemberReport(address, reachable=False, error=str(exc)[:200])
    finally:
        conn.close()


def cluster_report() -> dict:
    """This member's view, every member's own state, and the problems found."""
    with connections["health"].cursor() as cursor:  # local state, no causal wait
        mine = galera.read_status(cursor)
    addresses = [a for a in mine.incoming_addresses.split(",") if a and a != "AUTO"]
    members = [_ask(address) for address in addresses]
    problems = []
    expected = settings.PLATFORM_NODE_COUNT
    if mine.cluster_size < expected:
        problems.append(f"{mine.cluster_size} of {expected} members in this node's component")
    for member in members:
        if not member.reachable:
            problems.append(f"member {member.address} unreachable: {member.error}")
            continue
        why = galera.serving_problem(member.state)
        if why:
            problems.append(f"member {member.address} ({member.state.node_name}): {why}")
        problems += [f"member {member.address}: {p}" for p in member.config_problems]
    why = galera.serving_problem(mine)
    if why:
        problems.insert(0, f"this node's member: {why}")
    return {
        "node": settings.PLATFORM_NODE,
        "engine": "galera",
        "cluster_size": mine.cluster_size,
        "expected_size": expected,
        "this_member": mine.as_dict(),
        "members": [m.as_dict() for m in members],
        "problems": problems,
    }


def text_report(report: dict) -> str:
    lines = [
        f"node {report['node']}: Galera cluster of {report['cluster_size']} "
        f"(expected {report['expected_size']})"
    ]
    for member in report["members"]:
        if not member["reachable"]:
            lines.append(f"  {member['address']}: UNREACHABLE ({member['error']})")
            continue
        s = member["state"]
        lines.append(
            f"  {member['address']} {s['node_name']}: {s['state_comment']}"
            f"{'' if s['primary'] else ' NON-PRIMARY'}{'' if s['ready'] else ' NOT READY'}  "
            f"committed {s['last_committed']}  flow control paused {s['flow_control_paused']:.3f}"
            f" (sent {s['flow_control_sent']}, received {s['flow_control_recv']})  "
            f"certification failures {s['cert_failures']}  brute-force aborts {s['bf_aborts']}"
            f"  receive queue {s['recv_queue']}"
        )
    lines += [f"  PROBLEM: {p}" for p in report["problems"]] or ["  OK"]
    return "\n".join(lines)

"""What a Galera member says about itself and its cluster (PLATFORM_DB_ENGINE=galera).

On Galera every node's database is a member of one cluster: there is no peer database,
no replication thread, no lag to measure. A member is fit to serve when it is ready
(`wsrep_ready`), Synced with the group (`wsrep_local_state` 4) and part of the primary
component (`wsrep_cluster_status` Primary): a member cut off in a minority is
non-Primary and refuses queries, so the balancer must take it out, while the majority
keeps serving. These are local facts: `SHOW GLOBAL STATUS` on the member itself, which
answers even when the member is cut off.

`cluster_report()` (for `replication_status`) also asks every other member, found in
`wsrep_incoming_addresses`, for its own state.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connections

SYNCED = 4
# wsrep_local_state: the member's place in the state-transfer life cycle.
STATES = {1: "Joining", 2: "Donor/Desynced", 3: "Joined", 4: "Synced"}
# Settings every member must have (deploy/mariadb/galera-node.cnf.template).
REQUIRED = {
    "wsrep_on": "1",
    "wsrep_auto_increment_control": "1",
    "binlog_format": "ROW",
    "innodb_autoinc_lock_mode": "2",
    "log_slave_updates": "1",
    "wsrep_gtid_mode": "1",
}
STATUS_NAMES = (
    "ready",
    "connected",
    "cluster_status",
    "cluster_size",
    "cluster_state_uuid",
    "local_state",
    "local_state_comment",
    "local_index",
    "node_name",
    "incoming_addresses",
    "last_committed",
    "flow_control_paused",
    "flow_control_paused_ns",
    "flow_control_sent",
    "flow_control_recv",
    "local_recv_queue",
    "local_send_queue",
    "local_cert_failures",
    "local_bf_aborts",
    "cert_deps_distance",
)


def enabled() -> bool:
    return settings.PLATFORM_DB_ENGINE == "galera"


@dataclass(frozen=True)
class MemberState:
    """One member's wsrep status, as it reports it."""

    ready: bool
    primary: bool
    state: int
    state_comment: str
    cluster_size: int
    node_name: str = ""
    incoming_addresses: str = ""
    last_committed: int = 0
    flow_control_paused: float = 0.0
    flow_control_paused_ns: int = 0
    flow_control_sent: int = 0
    flow_control_recv: int = 0
    recv_queue: int = 0
    send_queue: int = 0
    cert_failures: int = 0
    bf_aborts: int = 0

    @property
    def serving(self) -> bool:
        return self.ready and self.primary and self.state == SYNCED

    def as_dict(self) -> dict:
        return {**asdict(self), "serving": self.serving}


def _number(values: dict, name: str, kind=int):
    try:
        return kind(values.get(name) or 0)
    except ValueError:
        return kind(0)


def parse_status(rows) -> MemberState:
    """`SHOW GLOBAL STATUS LIKE 'wsrep_%'` rows as a MemberState (no I/O: testable)."""
    values = {str(name).lower().removeprefix("wsrep_"): str(value) for name, value in rows}
    state = _number(values, "local_state")
    return MemberState(
        ready=values.get("ready", "").upper() == "ON",
        primary=values.get("cluster_status", "") == "Primary",
        state=state,
        state_comment=values.get("local_state_comment") or STATES.get(state, "?"),
        cluster_size=_number(values, "cluster_size"),
        node_name=values.get("node_name", ""),
        incoming_addresses=values.get("incoming_addresses", ""),
        last_committed=_number(values, "last_committed"),
        flow_control_paused=_number(values, "flow_control_paused", float),
        flow_control_paused_ns=_number(values, "flow_control_paused_ns"),
        flow_control_sent=_number(values, "flow_control_sent"),
        flow_control_recv=_number(values, "flow_control_recv"),
        recv_queue=_number(values, "local_recv_queue"),
        send_queue=_number(values, "local_send_queue"),
        cert_failures=_number(values, "local_cert_failures"),
        bf_aborts=_number(values, "local_bf_aborts"),
    )


def read_status(cursor) -> MemberState:
    # Reads no table: it answers on a member that is cut off and refuses queries.
    cursor.execute("SHOW GLOBAL STATUS LIKE 'wsrep%'")
    return parse_status(cursor.fetchall())


def member_state(alias: str = "default") -> MemberState:
    with connections[alias].cursor() as cursor:
        return read_status(cursor)


def serving_problem(state: MemberState) -> str | None:
    """Why this member must leave the balancer's rotation, or None (local facts only)."""
    if not state.ready:
        return "not ready (wsrep_ready OFF)"
    if not state.primary:
        return "cut off from the primary component (non-Primary)"
    if state.state != SYNCED:
        return f"not Synced ({state.state_comment})"
    return None


def config_problems(variables: dict[str, str]) -> list[str]:
    """The settings linter for a member: what the platform needs of Galera."""
    return [
        f"{name} is {variables.get(name)!r}, must be {wanted!r}"
        for name, wanted in REQUIRED.items()
        if str(variables.get(name, "")).upper() not in (wanted, {"1": "ON"}.get(wanted))
    ]


def read_config(cursor) -> dict[str, str]:
    names = list(REQUIRED)
    cursor.execute("SELECT " + ", ".join(f"@@global.{name}" for name in names))
    return {name: str(value) for name, value in zip(names, cursor.fetchone(), strict=True)}

"""Prometheus gauges of this node's Galera member, read at scrape time (local facts only).

Registered by `collectors()` of `replication/metrics.py` (for the node's `/metrics`,
`gateway/metrics.py`) when PLATFORM_DB_ENGINE=galera, in place of the pair's replication
series. Each scrape reads `SHOW GLOBAL STATUS LIKE 'wsrep%'` through the health
connection (short timeouts, no causal wait), so a member cut off from the others still
reports that it is. Every series carries the node's name (`node`), as the pair's do.
"""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from replication import galera

PREFIX = "platform_galera_"


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    family = GaugeMetricFamily(PREFIX + name, doc, labels=["node"])
    family.add_metric([settings.PLATFORM_NODE], float(value))
    return family


def _counter(name: str, doc: str, value: float) -> CounterMetricFamily:
    family = CounterMetricFamily(PREFIX + name, doc, labels=["node"])
    family.add_metric([settings.PLATFORM_NODE], float(value))
    return family


def families(state: galera.MemberState | None):
    """The metric families for a member's state (None: the member did not answer)."""
    yield _gauge("up", "1 if this node's member answered the scrape.", state is not None)
    if state is None:
        return
    yield _gauge("ready", "1 if the member accepts queries (wsrep_ready).", state.ready)
    yield _gauge("primary", "1 if the member is in the primary component.", state.primary)
    yield _gauge("local_state", "1 Joining, 2 Donor/Desynced, 3 Joined, 4 Synced.", state.state)
    yield _gauge("serving", "1 if ready, primary and Synced (the balancer's check).", state.serving)
    yield _gauge("cluster_size", "Members in this member's component.", state.cluster_size)
    yield _gauge("recv_queue", "Write sets received, not yet applied.", state.recv_queue)
    yield _gauge("send_queue", "Write sets waiting to be sent.", state.send_queue)
    yield _gauge("last_committed", "Last write set committed here.", state.last_committed)
    yield _counter(
        "flow_control_paused_seconds",
        "Time replication was paused by flow control since the member started.",
        state.flow_control_paused_ns / 1e9,
    )
    yield _counter("flow_control_sent", "Pauses this member asked for.", state.flow_control_sent)
    yield _counter("flow_control_received", "Pauses received.", state.flow_control_recv)
    yield _counter(
        "cert_failures",
        "Local transactions refused by certification (answered 409 or retried).",
        state.cert_failures,
    )
    yield _counter(
        "bf_aborts", "Local transactions aborted by a replicated write set.", state.bf_aborts
    )


class GaleraCollector:
    def collect(self):
        from replication.health import health_alias

        try:
            state = galera.member_state(health_alias())
        except DatabaseError:
            state = None
        yield from families(state)

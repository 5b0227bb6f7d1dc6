"""Replication's metrics, computed when Prometheus scrapes a node (`gateway/metrics.py`).

Each node reports what its **own** database knows, local facts only, so the peer's
stream is the peer's to report and a dead peer cannot stall a scrape here. The series,
labelled with this node's name (`node`) as the alert rules expect
(`deploy/prometheus/platform.rules.yml`):

- `platform_replication_io_running`, `platform_replication_sql_running`: 1 or 0, the
  replica threads of this database (0 too when replication is not configured);
- `platform_replication_last_io_errno`, `platform_replication_last_sql_errno`;
- `platform_replication_lag_seconds`: how far behind the backlog it is applying from its
  live peer, as the load balancer's health check measures it (`replication/lag.py`);
- `platform_replication_heartbeat_age_seconds`: age of the peer's newest heartbeat
  applied here (+Inf before the first one arrives);
- `platform_clock_skew_seconds{against}`: this node's clock minus its own database's
  (`database`) and the peer database's (`peer`), measured at the scrape.

Also `platform_home_node{service}` (the node index taking each service's home-node
writes, as this process routes them) and `platform_exactly_once_doubles` (requests
applied on both databases and not yet repaired, `replication/exactly_once.py`).
A single node (no peer database) exports no replication series: nothing replicates.
On Galera (PLATFORM_DB_ENGINE=galera) the member's own series replace these
(`replication/galera_metrics.py`, `platform_galera_*`).
"""

from __future__ import annotations

import math
import threading
import time

from django.conf import settings
from prometheus_client.core import GaugeMetricFamily

from core import registry
from replication import clock, exactly_once, lag
from replication.health import health_alias
from replication.homes import homes

# Counting doubles groups every request record the database keeps
# (PLATFORM_REQUEST_RECORD_HOURS): 0.6 to 1.6 s over 200,000 records on MariaDB on the
# 2-core test machine, by its load (tests/database/test_doubles_metric.py), growing with
# the rows: too slow for every
# scrape, so each process recounts at most this often. A double waits for an operator
# anyway, and the alert on it fires on the first sample.
DOUBLES_CACHE_SECONDS = 60.0


def _gauge(name: str, documentation: str, value: float, **labels: str) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=list(labels))
    family.add_metric(list(labels.values()), value)
    return family


def _seconds(ms: float | None) -> float:
    return math.inf if ms is None else ms / 1000


class ReplicationCollector:
    """Replica threads, errors, lag and heartbeat age of this node's own database."""

    def collect(self):
        if "peer" not in settings.DATABASES:
            return
        behind = lag.local_lag(health_alias())
        replica, node = behind.replica, settings.PLATFORM_NODE
        yield from (
            _gauge(
                "platform_replication_io_running",
                "Whether this database's replica IO thread runs (1) or not (0).",
                float(replica.configured and replica.io_running == "Yes"),
                node=node,
            ),
            _gauge(
                "platform_replication_sql_running",
                "Whether this database's replica SQL thread runs (1) or not (0).",
                float(replica.configured and replica.sql_running == "Yes"),
                node=node,
            ),
            _gauge(
                "platform_replication_last_io_errno",
                "Last error of the replica IO thread (0: none).",
                replica.last_io_errno,
                node=node,
            ),
            _gauge(
                "platform_replication_last_sql_errno",
                "Last error of the replica SQL thread (0: none; it stops on one).",
                replica.last_sql_errno,
                node=node,
            ),
            _gauge(
                "platform_replication_lag_seconds",
                "How far this database is behind the backlog it applies from its live peer.",
                _seconds(behind.ms),
                node=node,
            ),
            _gauge(
                "platform_replication_heartbeat_age_seconds",
                "Age of the peer's newest heartbeat applied on this database.",
                _seconds(behind.heartbeat_age_ms),
                node=node,
            ),
        )


class HomeNodeCollector:
    """The node index taking each service's home-node writes, as this process routes them."""

    def collect(self):
        family = GaugeMetricFamily(
            "platform_home_node",
            "Node index whose database takes the service's home-node writes.",
            labels=["service"],
        )
        homes.refresh()
        for config in registry.services():
            if config.has_home:
                family.add_metric([config.code], homes.home_node(config.code))
        yield family


class DoublesCollector:
    """Requests applied on both databases and not yet repaired, recounted now and then."""

    def __init__(self, max_age: float = DOUBLES_CACHE_SECONDS) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._counted: tuple[float, int] | None = None

    def count(self) -> int:
        with self._lock:
            now = time.monotonic()
            if self._counted is None or now - self._counted[0] >= self.max_age:
                self._counted = (now, exactly_once.doubles_count())
            return self._counted[1]

    def collect(self):
        yield _gauge(
            "platform_exactly_once_doubles",
            "Requests applied on more than one database and not yet repaired.",
            self.count(),
        )


class ClockSkewCollector:
    """`platform_clock_skew_seconds{against="database"|"peer"}`: this node's clock minus its
    own database's and the peer database's, signed, measured now (replication/clock.py).
    A database that cannot be reached gives no sample (its own alerts say so)."""

    def collect(self):
        family = GaugeMetricFamily(
            "platform_clock_skew_seconds",
            "This node's clock minus its database's or the peer database's, in seconds.",
            labels=["against"],
        )
        for against, reading in clock.skews().items():
            if reading is not None:
                family.add_metric([against], reading.skew)
        yield family


_doubles = DoublesCollector()


def collectors() -> dict:
    """The replication app's scrape-time collectors, by name, for the node's /metrics."""
    if settings.PLATFORM_DB_ENGINE == "galera":  # one cluster: no peer, no home, no doubles
        from replication.galera_metrics import GaleraCollector

        return {"galera": GaleraCollector(), "clock_skew": ClockSkewCollector()}
    return {
        "replication": ReplicationCollector(),
        "home_node": HomeNodeCollector(),
        "doubles": _doubles,
        "clock_skew": ClockSkewCollector(),
    }

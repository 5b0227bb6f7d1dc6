"""Replication's metrics, collected at scrape time (registered by gateway/metrics.py)."""

from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily

from replication import clock


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

"""Prometheus metrics of the node: the registry and the `/metrics` view.

Under gunicorn every worker is its own process, so the node runs prometheus-client in
multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by deploy/gunicorn.conf.py) and
`/metrics` aggregates all workers' files: counters and histograms summed, and the
breaker gauge as `livemax` (the worst state among live workers, no `pid` label, and a
dead worker's file removed by gunicorn's `child_exit`, so recycling adds no series).
In a single process (tests, `manage.py`) the default registry is used.

What is read rather than counted is computed at scrape time by the collectors in
`scrape_collectors()`, each guarded so that one failing (its database down, say) leaves
the others' series and sets `platform_metrics_collector_up{collector}` to 0.
"""

from __future__ import annotations

import glob
import ipaddress
import logging
import os

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from gateway import rotation
from gateway.breaker import BREAKER_STATES
from gateway.process_tree import ProcessTreeCollector

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

REQUESTS = Counter(
    "platform_requests", "Requests answered, by service and status.", ["service", "status"]
)
LATENCY = Histogram(
    "platform_request_duration_seconds",
    "Whole request time in the node, by service.",
    ["service"],
    buckets=LATENCY_BUCKETS,
)
GATEWAY_LATENCY = Histogram(
    "platform_gateway_overhead_seconds",
    "Time spent in the gateway alone (envelope, routing, logging), by service.",
    ["service"],
    buckets=LATENCY_BUCKETS,
)
BREAKER_STATE = Gauge(
    "platform_breaker_state",
    "Circuit breaker of each service, the worst among live workers: 0 closed, 1 half-open, 2 open.",
    ["service"],
    multiprocess_mode="livemax",
)
logger = logging.getLogger("platform.metrics")


class ActiveSessionsCollector:
    """Counts live sessions at scrape time, from the database."""

    def collect(self):
        from django.utils import timezone

        from credential.models import Session

        now = timezone.now()
        count = Session.objects.filter(revoked_at__isnull=True, expires_at__gt=now).count()
        yield GaugeMetricFamily("platform_active_sessions", "Sessions not yet ended.", count)


class RotationCollector:
    """This node's own load-balancer verdict: the checks of `/health/`, run now."""

    def collect(self):
        yield GaugeMetricFamily(
            "platform_node_in_rotation",
            "Whether this node passes its load balancer's health check (1) or not (0).",
            float(rotation.in_rotation()),
        )


class ScrapeTime:
    """The scrape-time collectors, each guarded: a failure costs its own series only."""

    def __init__(self, collectors: dict) -> None:
        self.collectors = collectors

    def collect(self):
        status = GaugeMetricFamily(
            "platform_metrics_collector_up",
            "Whether a scrape-time collector answered (1) or failed (0).",
            labels=["collector"],
        )
        for name, collector in self.collectors.items():
            try:
                families = list(collector.collect())
            except Exception:  # any failure: report it, keep the rest of the scrape
                logger.warning("metrics collector failed", exc_info=True, extra={"collector": name})
                families = []
                status.add_metric([name], 0.0)
            else:
                status.add_metric([name], 1.0)
            yield from families
        yield status


def scrape_collectors() -> dict:
    """What is computed when Prometheus scrapes, in the worker answering the scrape."""
    from replication import metrics as replication_metrics

    return {
        "sessions": ActiveSessionsCollector(),
        "rotation": RotationCollector(),
        "process_tree": ProcessTreeCollector(),
        **replication_metrics.collectors(),
    }


def registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in list(REGISTRY._collector_to_names):
            registry.register(collector)
    registry.register(ScrapeTime(scrape_collectors()))
    return registry


def address_allowed(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net) for net in settings.METRICS_ALLOWED_NETWORKS)


def metrics_view(request):
    """Prometheus exposition, only for the monitoring addresses configured."""
    if not address_allowed(request.META.get("REMOTE_ADDR")):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


def breaker_states() -> dict[str, list[tuple[str, str]]]:
    """Breaker state per service and live worker (for the admin and the dashboard).

    The exported gauge keeps only the worst state; each live worker's own is in its file.
    """
    names = {value: name for name, value in BREAKER_STATES.items()}
    states: dict[str, list[tuple[str, str]]] = {}
    for worker, metric in _breaker_gauges():
        for sample in metric.samples:
            state = names.get(int(sample.value), "closed")
            states.setdefault(sample.labels["service"], []).append((worker, state))
    return states


def _breaker_gauges():
    """(worker pid, the breaker gauge as that worker last set it), for each live worker."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        yield from ((str(os.getpid()), metric) for metric in BREAKER_STATE.collect())
        return
    for name in sorted(glob.glob(os.path.join(path, "gauge_livemax_*.db"))):
        worker = os.path.basename(name).removeprefix("gauge_livemax_").removesuffix(".db")
        try:
            merged = multiprocess.MultiProcessCollector.merge([name])
        except FileNotFoundError:  # the worker died since the listing
            continue
        yield from ((worker, m) for m in merged if m.name == "platform_breaker_state")
